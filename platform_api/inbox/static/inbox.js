// The advisor pages stay current without reloading: every element with data-poll="<url>"
// gets that URL's HTML every second (new messages, the list, the notification badge).
(function () {
  "use strict";
  var INTERVAL_MS = 1000;

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
  }

  function refresh(element) {
    return fetch(element.dataset.poll, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected && new URL(response.url).pathname === "/login") {
          window.location.assign("/login");
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || html === element.dataset.lastHtml) return;
        var stick = element.hasAttribute("data-stick-bottom") && nearBottom();
        element.innerHTML = html;
        element.dataset.lastHtml = html;
        if (stick) window.scrollTo(0, document.body.scrollHeight);
      })
      .catch(function () { /* the network hiccuped: the next round tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(function (element) {
      refresh(element);
      window.setInterval(function () { refresh(element); }, INTERVAL_MS);
    });
    var history = document.getElementById("history");
    if (history) window.scrollTo(0, document.body.scrollHeight);
  });
})();

// The reply box (textarea[data-quick-answers]): "/" and a word lists the quick answers whose
// shortcut starts with it (arrows choose, Enter or a click inserts, Esc closes); Ctrl+Enter
// (⌘+Enter on a Mac) sends the form.
(function () {
  "use strict";
  var SLASH_WORD = /(^|\s)\/([\p{L}\p{N}_-]*)$/u;

  function setupComposer(textarea) {
    var form = textarea.form;
    var list = document.createElement("ul");
    list.id = textarea.id + "-quick-answers";
    list.className = "quick-answers";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Respuestas rápidas");
    list.hidden = true;
    textarea.insertAdjacentElement("afterend", list);
    textarea.setAttribute("aria-controls", list.id);
    textarea.setAttribute("aria-autocomplete", "list");
    var items = [];
    var selected = 0;
    var token = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      items = [];
      token = null;
      textarea.removeAttribute("aria-activedescendant");
    }

    function insert() {
      var item = items[selected];
      if (!item || !token) return;
      textarea.setRangeText(item.text, token.start, textarea.selectionStart, "end");
      close();
      textarea.focus();
    }

    function render() {
      list.textContent = "";
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", index === selected ? "true" : "false");
        var title = document.createElement("strong");
        title.textContent = "/" + item.shortcut + " · " + item.title;
        var text = document.createElement("span");
        text.className = "hint";
        text.textContent = item.text;
        option.append(title, text);
        // mousedown, not click: the reply box keeps its focus and caret.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          selected = index;
          insert();
        });
        list.appendChild(option);
      });
      list.hidden = items.length === 0;
      if (items.length) textarea.setAttribute("aria-activedescendant", list.id + "-" + selected);
      else textarea.removeAttribute("aria-activedescendant");
    }

    function lookUp() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = SLASH_WORD.exec(before);
      if (!match) { close(); return; }
      token = { start: before.length - match[2].length - 1 };
      var ask = ++asked;
      fetch(textarea.dataset.quickAnswers + "?q=" + encodeURIComponent(match[2]), {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
      })
        .then(function (response) {
          return response.ok && !response.redirected ? response.json() : { items: [] };
        })
        .then(function (data) {
          if (ask !== asked || token === null) return;
          items = data.items || [];
          selected = 0;
          render();
        })
        .catch(close);
    }

    textarea.addEventListener("input", lookUp);
    textarea.addEventListener("blur", close);
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        close();
        form.requestSubmit();
        return;
      }
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        selected = (selected + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
        render();
      } else if (event.key === "Enter") {
        event.preventDefault();
        insert();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-quick-answers]").forEach(setupComposer);
  });
})();

// The file picker (input[data-limits]): a file WhatsApp would refuse (type or size, by Meta's
// table the server also applies) is stopped here, before a long upload, with the reason.
(function () {
  "use strict";
  var KINDS = { image: "imágenes", audio: "audios", video: "videos", document: "documentos" };

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1).replace(".0", "").replace(".", ",") + " MB";
  }

  function setupPicker(input) {
    var limits = JSON.parse(input.dataset.limits);
    var error = document.getElementById("attach-error");
    function problem() {
      var file = input.files && input.files[0];
      if (!file) return "";
      var type = (file.type || "").toLowerCase();
      if (type === "image/jpg") type = "image/jpeg";
      // No type from the system: the server judges by the file name's extension.
      if (!type) return "";
      if (!(type in limits)) {
        return "WhatsApp no admite el tipo de «" + file.name + "». " +
          document.getElementById("attach-allowed").textContent;
      }
      if (file.size === 0) return "El archivo «" + file.name + "» está vacío.";
      if (file.size > limits[type]) {
        return "«" + file.name + "» pesa " + megabytes(file.size) + ": el máximo para ese tipo es " +
          megabytes(limits[type]) + ".";
      }
      return "";
    }
    function show() {
      var text = problem();
      error.textContent = text;
      error.hidden = !text;
      return !text;
    }
    input.addEventListener("change", show);
    input.form.addEventListener("submit", function (event) {
      if (!show()) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[type=file][data-limits]").forEach(setupPicker);
  });
})();
