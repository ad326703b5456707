/*
 * Stand-in for Meta's JavaScript SDK (https://connect.facebook.net/en_US/sdk.js), enough for
 * Embedded Sign-Up: FB.init(params), FB.login(callback, options), FB.getLoginStatus(callback).
 *
 * FB.login opens the simulator's sign-up dialog in a popup. The dialog posts Meta's
 * session-info message events (a JSON string, type WA_EMBEDDED_SIGNUP) to this window with
 * targetOrigin = this page's origin; their event.origin is the simulator's origin, not
 * https://www.facebook.com. When the popup closes, the callback gets
 * {authResponse: {code, ...}, status: "connected"} or {authResponse: null, status: "unknown"}.
 * Options are checked by the dialog, as Meta's dialog does. See simulator/EMBEDDED_SIGNUP.md.
 */
(function () {
  "use strict";
  if (window.FB && window.FB.__simulator) return;

  var script = document.currentScript;
  var SIMULATOR = new URL(script && script.src ? script.src : "/", window.location.href).origin;
  var POLL_MS = 200;
  var settings = null;

  function sessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function init(params) {
    params = params || {};
    if (!params.appId) {
      console.error("FB.init: appId is required.");
      return;
    }
    if (!/^v\d+\.\d+$/.test(params.version || "")) {
      console.error('FB.init: invalid version parameter "' + params.version +
        '"; expected "v<major>.<minor>", e.g. "v23.0".');
    }
    settings = {
      appId: String(params.appId),
      version: params.version || "",
      xfbml: !!params.xfbml,
      autoLogAppEvents: !!params.autoLogAppEvents,
    };
  }

  function outcome(id, callback) {
    fetch(SIMULATOR + "/_sim/embedded-signup/sessions/" + id, {mode: "cors"})
      .then(function (res) { return res.ok ? res.json() : null; })
      .catch(function () { return null; })
      .then(function (session) {
        if (session && session.status === "connected" && session.code) {
          callback({
            authResponse: {
              code: session.code,
              userID: null,
              expiresIn: null,
              signedRequest: null,
              graphDomain: "facebook",
            },
            status: "connected",
          });
        } else {
          callback({authResponse: null, status: "unknown"});
        }
      });
  }

  function login(callback, options) {
    if (typeof callback !== "function") {
      console.error("FB.login: the first argument must be a callback function.");
      return;
    }
    if (!settings) {
      console.error("FB.login() called before FB.init().");
      return;
    }
    options = options || {};
    var id = sessionId();
    var query = new URLSearchParams({
      session_id: id,
      app_id: settings.appId,
      graph_version: settings.version,
      config_id: options.config_id == null ? "" : String(options.config_id),
      response_type: options.response_type == null ? "" : String(options.response_type),
      override_default_response_type: String(options.override_default_response_type === true),
      extras: JSON.stringify(options.extras === undefined ? null : options.extras),
      origin: window.location.origin,
    });
    var popup = window.open(
      SIMULATOR + "/_sim/embedded-signup?" + query.toString(),
      "fb_embedded_signup_" + id,
      "width=600,height=760,scrollbars=yes"
    );
    if (!popup) {
      callback({authResponse: null, status: "unknown"});
      return;
    }
    var timer = window.setInterval(function () {
      if (!popup.closed) return;
      window.clearInterval(timer);
      outcome(id, callback);
    }, POLL_MS);
  }

  function getLoginStatus(callback) {
    if (typeof callback === "function") callback({authResponse: null, status: "unknown"});
  }

  window.FB = {init: init, login: login, getLoginStatus: getLoginStatus, __simulator: true};
  // Like Meta's SDK: the page's fbAsyncInit runs once the SDK has loaded.
  if (typeof window.fbAsyncInit === "function") window.setTimeout(window.fbAsyncInit, 0);
})();
