// "Vincular WhatsApp Business": Meta's Embedded Sign-Up v4 with the WhatsApp Business app
// onboarding. Meta's SDK opens its window; the session-info message events (accepted from the
// configured origins only) say how it ended; the code from FB.login goes to the platform,
// which finishes the linking on the server.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("es-config").textContent);
  var button = document.getElementById("es-launch");
  var result = document.getElementById("es-result");
  var sessionInfo = null;
  // The platform refuses session POSTs without the page's CSRF token (X-CSRF-Token).
  var csrfToken = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function show(text, ok) {
    result.textContent = text;
    result.className = ok ? "notice" : "error";
    result.setAttribute("role", ok ? "status" : "alert");
  }

  window.addEventListener("message", function (event) {
    if (config.origins.indexOf(event.origin) === -1) return;
    var data;
    try {
      data = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch (e) {
      return;
    }
    if (!data || data.type !== "WA_EMBEDDED_SIGNUP") return;
    sessionInfo = data;
  });

  function report(body) {
    return fetch("/api/whatsapp/signup", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) throw new Error(answer.detail || "Error " + response.status);
        return answer;
      });
    });
  }

  function finish(response) {
    var info = sessionInfo || {};
    var data = info.data || {};
    var code = response && response.authResponse ? response.authResponse.code : null;
    var body = {
      event: info.event || (code ? "FINISH" : "CANCEL"),
      code: code,
      waba_id: data.waba_id || null,
      phone_number_id: data.phone_number_id || null,
      current_step: data.current_step || null,
      error_message: data.error_message || null,
    };
    button.disabled = true;
    show("Terminando la vinculación…", true);
    report(body)
      .then(function (answer) {
        show(answer.message, answer.linked);
        if (answer.linked) window.setTimeout(function () { window.location.reload(); }, 1500);
      })
      .catch(function (error) { show("No se pudo terminar la vinculación: " + error.message, false); })
      .then(function () { button.disabled = false; sessionInfo = null; });
  }

  window.fbAsyncInit = function () {
    FB.init({ appId: config.appId, autoLogAppEvents: true, xfbml: true, version: config.graphVersion });
    button.disabled = false;
  };

  button.addEventListener("click", function () {
    sessionInfo = null;
    show("", true);
    FB.login(
      function (response) {
        // The message events may trail the callback by a moment.
        window.setTimeout(function () { finish(response); }, 300);
      },
      {
        config_id: config.configId,
        response_type: "code",
        override_default_response_type: true,
        extras: config.extras,
      }
    );
  });

  var sdk = document.createElement("script");
  sdk.src = config.sdkUrl;
  sdk.async = true;
  sdk.defer = true;
  sdk.crossOrigin = "anonymous";
  sdk.onerror = function () { show("No se pudo cargar el SDK de Meta. Revisa la conexión.", false); };
  document.head.appendChild(sdk);
})();
