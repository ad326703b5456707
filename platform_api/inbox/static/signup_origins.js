// Which windows may post Embedded Sign-Up's session-info events to the sign-up page. An
// allowed entry is an exact origin ("http://127.0.0.1:8080", the simulator in development) or
// a suffix rule "https://*.facebook.com": https only, no port, and the host facebook.com or
// one ending in ".facebook.com". That is Meta's sample check (Implementation page:
// `event.origin.endsWith('facebook.com')`) without its look-alikes: evilfacebook.com,
// facebook.com.evil.net and http:// are refused.
(function () {
  "use strict";
  var WILDCARD = "://*.";

  function accepted(origin, allowed) {
    if (typeof origin !== "string") return false;
    return allowed.some(function (rule) {
      var at = rule.indexOf(WILDCARD);
      if (at === -1) return origin === rule;
      var scheme = rule.slice(0, at + 3);
      var domain = rule.slice(at + WILDCARD.length);
      if (origin.slice(0, scheme.length) !== scheme) return false;
      var host = origin.slice(scheme.length);
      var suffix = "." + domain;
      return host === domain || (host.length > suffix.length && host.slice(-suffix.length) === suffix);
    });
  }

  window.signupOriginAccepted = accepted;
})();
