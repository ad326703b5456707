// "Vincular WhatsApp Business": Meta's Embedded Sign-Up (v4, from the login configuration)
// with the WhatsApp Business app onboarding. Meta's SDK opens its window; its session-info
// message events (accepted from Meta's origins only: signup_origins.js) say how it ended and
// which WABA was chosen; the code from FB.login goes to the platform, which finishes the
// linking on the server. The event and FB.login's callback come in either order: after the
// callback the page waits for the event up to the code's lifetime (30 s, Meta), and only then
// sends the code; if the event never comes the code is not spent.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("es-config").textContent);
  var button = document.getElementById("es-launch");
  var result = document.getElementById("es-result");
  var pinInput = document.getElementById("es-pin");
  // The platform refuses session POSTs without the page's CSRF token (X-CSRF-Token).
  var csrfToken = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  // Without a code (cancel, error, window closed) a trailing CANCEL/ERROR event is awaited
  // only briefly: nothing is spent by reporting without it.
  var NO_CODE_WAIT_MS = 1500;
  var sessionInfo = null;
  var onSessionInfo = null;

  function show(text, ok) {
    result.textContent = text;
    result.className = ok ? "notice" : "error";
    result.setAttribute("role", ok ? "status" : "alert");
  }

  window.addEventListener("message", function (event) {
    if (!window.signupOriginAccepted(event.origin, config.origins)) return;
    var data;
    try {
      data = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch (e) {
      return;
    }
    if (!data || data.type !== "WA_EMBEDDED_SIGNUP") return;
    sessionInfo = data;
    if (onSessionInfo) onSessionInfo();
  });

  function finished(info) {
    return !!(info && /^FINISH/.test(info.event || "") && info.data && info.data.waba_id);
  }

  // Resolves with the session info once it names the WABA (or, without a code, once any
  // event came), or with null after `waitMs`.
  function awaitSessionInfo(needWaba, waitMs) {
    return new Promise(function (resolve) {
      function ready() {
        return needWaba ? finished(sessionInfo) : sessionInfo !== null;
      }
      if (ready()) return resolve(sessionInfo);
      var timer = window.setTimeout(function () {
        onSessionInfo = null;
        resolve(needWaba ? null : sessionInfo);
      }, waitMs);
      onSessionInfo = function () {
        if (!ready()) return;
        window.clearTimeout(timer);
        onSessionInfo = null;
        resolve(sessionInfo);
      };
    });
  }

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

  function bodyFor(info, code) {
    var data = (info && info.data) || {};
    var pin = pinInput && /^\d{6}$/.test(pinInput.value.trim()) ? pinInput.value.trim() : null;
    if (code && !finished(info)) {
      // FB.login gave a code but Meta never said which account: do not spend the code.
      return { event: config.sessionInfoMissing, code: null };
    }
    return {
      event: (info && info.event) || "CANCEL",
      code: code,
      waba_id: data.waba_id || null,
      phone_number_id: data.phone_number_id || null,
      business_id: data.business_id || null,
      current_step: data.current_step || null,
      error_message: data.error_message || null,
      pin: code ? pin : null,
    };
  }

  function finish(response) {
    var code = response && response.authResponse ? response.authResponse.code : null;
    button.disabled = true;
    show(code ? "Esperando la confirmación de Meta…" : "Terminando…", true);
    awaitSessionInfo(!!code, code ? config.sessionInfoWaitMs : NO_CODE_WAIT_MS)
      .then(function (info) {
        show("Terminando la vinculación…", true);
        return report(bodyFor(info, code));
      })
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
    onSessionInfo = null;
    show("", true);
    if (pinInput && pinInput.value.trim() && !/^\d{6}$/.test(pinInput.value.trim())) {
      show("El PIN de verificación en dos pasos tiene 6 dígitos.", false);
      return;
    }
    FB.login(finish, {
      config_id: config.configId,
      response_type: "code",
      override_default_response_type: true,
      extras: config.extras,
    });
  });

  var sdk = document.createElement("script");
  sdk.src = config.sdkUrl;
  sdk.async = true;
  sdk.defer = true;
  sdk.crossOrigin = "anonymous";
  sdk.onerror = function () { show("No se pudo cargar el SDK de Meta. Revisa la conexión.", false); };
  document.head.appendChild(sdk);
})();
