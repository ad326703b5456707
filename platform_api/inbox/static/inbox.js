// Live updates, pushed by the server (platform_api/inbox/live.py). A page names its stream in
// <body data-live> and the parts it updates with [data-live-part]: "history" (messages are
// appended, or changed in place by element id), "list" (rows in their new order, unchanged
// ones kept), "queue" (changed in place) and "badge". What did not change is never touched,
// so a playing voice note and the focus stay put. If the stream cannot be opened (a proxy that refuses it, repeated
// errors) the same URL is polled with ?once=1 every POLL_MS, and the stream is tried again
// now and then. A hidden tab closes its stream (browsers allow few connections per host) and
// catches up when it is shown again.
(function () {
  "use strict";
  var POLL_MS = 5000;
  // A stream that never opened is given up sooner than one that worked (a platform restart).
  var ERRORS_BEFORE_POLLING = 2;
  var ERRORS_BEFORE_POLLING_ONCE_OPEN = 10; // about 20 s: a restart of the platform
  var POLLS_BEFORE_RETRYING_STREAM = 12;
  var RETRY_MS = 2000;

  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  // Makes `current` look like `incoming` changing as little as possible: same elements are
  // updated in place (attributes, text), a voice note or video with the same source is left
  // alone, and only what differs in structure is replaced.
  function morph(current, incoming) {
    if (current.nodeType !== incoming.nodeType || current.nodeName !== incoming.nodeName) {
      current.replaceWith(incoming);
      return;
    }
    if (current.nodeType === Node.TEXT_NODE || current.nodeType === Node.COMMENT_NODE) {
      if (current.nodeValue !== incoming.nodeValue) current.nodeValue = incoming.nodeValue;
      return;
    }
    if (current.nodeType !== Node.ELEMENT_NODE) return;
    if (/^(AUDIO|VIDEO)$/.test(current.nodeName) &&
        current.getAttribute("src") === incoming.getAttribute("src")) return;
    Array.prototype.slice.call(current.attributes).forEach(function (attribute) {
      // "open" is the advisor's own choice on a <details>.
      if (!incoming.hasAttribute(attribute.name) && attribute.name !== "open") {
        current.removeAttribute(attribute.name);
      }
    });
    Array.prototype.slice.call(incoming.attributes).forEach(function (attribute) {
      if (current.getAttribute(attribute.name) !== attribute.value) {
        current.setAttribute(attribute.name, attribute.value);
      }
    });
    var have = Array.prototype.slice.call(current.childNodes);
    var want = Array.prototype.slice.call(incoming.childNodes);
    for (var i = 0; i < Math.max(have.length, want.length); i++) {
      if (i >= have.length) current.appendChild(want[i]);
      else if (i >= want.length) have[i].remove();
      else morph(have[i], want[i]);
    }
  }

  // New messages go in their place (by data-order, the message id); known ones are changed in
  // place when their revision differs.
  function mergeHistory(container, html) {
    var stick = nearBottom();
    Array.prototype.slice.call(parse(html).children).forEach(function (node) {
      var existing = node.id ? document.getElementById(node.id) : null;
      if (existing) {
        if (existing.dataset.rev !== node.dataset.rev) morph(existing, node);
        return;
      }
      var order = Number(node.dataset.order);
      var before = Array.prototype.find.call(container.children, function (child) {
        return Number(child.dataset.order) > order;
      });
      container.insertBefore(node, before || null);
    });
    if (stick) window.scrollTo(0, document.body.scrollHeight);
  }

  // The whole list in its order: rows marked data-keep (or with the same revision) keep their
  // element. Answers false when a kept row is missing here (then the stream starts afresh).
  function mergeList(container, html) {
    var fragment = parse(html);
    var incoming = fragment.querySelector("ul.rows");
    var list = container.querySelector("ul.rows");
    if (!incoming || !list) {
      container.replaceChildren(fragment);
      return true;
    }
    var rows = Array.prototype.map.call(incoming.children, function (row) {
      var existing = row.id ? document.getElementById(row.id) : null;
      if (row.hasAttribute("data-keep")) return existing;
      if (!existing) return row;
      if (existing.dataset.rev !== row.dataset.rev) morph(existing, row);
      return existing;
    });
    if (rows.indexOf(null) >= 0) return false;
    rows.forEach(function (row, i) {
      if (list.children[i] !== row) list.insertBefore(row, list.children[i] || null);
    });
    while (list.children.length > rows.length) list.lastElementChild.remove();
    // Around the rows (the count, the pager): changed in place, added or removed.
    function kind(node) { return node.tagName + "." + node.classList[0]; }
    var around = Array.prototype.slice.call(fragment.children);
    var kinds = around.map(kind);
    Array.prototype.slice.call(container.children).forEach(function (child) {
      if (child !== list && kinds.indexOf(kind(child)) < 0) child.remove();
    });
    var before = true;
    around.forEach(function (node) {
      if (node === incoming) { before = false; return; }
      var existing = container.querySelector(":scope > " + kind(node));
      if (existing) morph(existing, node);
      else container.insertBefore(node, before ? list : null);
    });
    return true;
  }

  // Reads a text/event-stream body (the ?once=1 answer of the polling fallback).
  function events(text) {
    return text.split(/\n\n/).map(function (block) {
      var event = { event: "message", data: [], id: null };
      block.split("\n").forEach(function (line) {
        var colon = line.indexOf(":");
        if (colon <= 0) return;
        var name = line.slice(0, colon);
        var value = line.slice(colon + 1).replace(/^ /, "");
        if (name === "event") event.event = value;
        else if (name === "data") event.data.push(value);
        else if (name === "id") event.id = value;
      });
      event.data = event.data.join("\n");
      return event;
    });
  }

  function withParam(url, name, value) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + name + "=" + encodeURIComponent(value);
  }

  function start(url, since) {
    var parts = {};
    document.querySelectorAll("[data-live-part]").forEach(function (element) {
      parts[element.dataset.livePart] = element;
    });
    var lastId = since || "";
    var source = null;
    var failures = 0;
    var timer = null;
    var polls = 0;
    var opened = false;
    var root = document.documentElement;

    function apply(name, html) {
      var part = parts[name];
      if (!part) return;
      if (name === "history") mergeHistory(part, html);
      else if (name === "list") {
        if (!mergeList(part, html)) { lastId = ""; connect(); }
      } else if (name === "queue") {
        var fresh = part.cloneNode(false);
        fresh.appendChild(parse(html));
        morph(part, fresh);
      } else part.innerHTML = html;
    }

    function ended(name) {
      stop();
      if (name === "signed-out") window.location.assign("/login");
      else window.location.reload(); // "gone": the page says what the advisor may see now
    }

    function stop() {
      if (source) { source.close(); source = null; }
      if (timer) { window.clearTimeout(timer); timer = null; }
    }

    function connect() {
      stop();
      if (!("EventSource" in window)) { poll(); return; }
      root.dataset.live = "connecting";
      source = new EventSource(withParam(url, "since", lastId));
      source.addEventListener("open", function () {
        failures = 0;
        opened = true;
        root.dataset.live = "open";
      });
      ["history", "list", "queue", "badge"].forEach(function (name) {
        source.addEventListener(name, function (event) {
          failures = 0;
          if (event.lastEventId) lastId = event.lastEventId;
          apply(name, event.data);
        });
      });
      ["signed-out", "gone"].forEach(function (name) {
        source.addEventListener(name, function () { ended(name); });
      });
      source.addEventListener("error", function () {
        failures += 1;
        root.dataset.live = "connecting";
        var patience = opened ? ERRORS_BEFORE_POLLING_ONCE_OPEN : ERRORS_BEFORE_POLLING;
        if (failures >= patience) { poll(); return; }
        // A network error: EventSource reconnects by itself (Last-Event-ID). An error answer
        // (a proxy's 502 while the platform restarts) closes it: once it has worked, it is
        // opened again after a pause; a stream that never opened gives way to polling.
        if (source.readyState === EventSource.CLOSED) {
          if (!opened) { poll(); return; }
          stop();
          timer = window.setTimeout(connect, RETRY_MS);
        }
      });
    }

    function poll() {
      stop();
      root.dataset.live = "polling";
      fetch(withParam(withParam(url, "since", lastId), "once", "1"), {
        credentials: "same-origin", cache: "no-store"
      })
        .then(function (response) {
          if (response.status === 401) { window.location.assign("/login"); return null; }
          if (response.status === 404) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (text) {
          if (text === null) return;
          events(text).forEach(function (event) {
            if (event.event === "signed-out" || event.event === "gone") { ended(event.event); return; }
            if (event.id !== null) lastId = event.id;
            apply(event.event, event.data);
          });
        })
        .catch(function () { /* the network hiccuped: the next round tries again */ })
        .then(function () {
          if (document.hidden || source) return; // hidden, or the stream is back meanwhile
          polls += 1;
          if (polls % POLLS_BEFORE_RETRYING_STREAM === 0) {
            failures = 0;
            connect();
          } else {
            timer = window.setTimeout(poll, POLL_MS);
          }
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) stop();
      else if (!source && !timer) connect();
    });
    window.addEventListener("pagehide", stop);
    if (!document.hidden) connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    if (body.dataset.live) start(body.dataset.live, body.dataset.liveSince);
    if (document.getElementById("history")) window.scrollTo(0, document.body.scrollHeight);
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
