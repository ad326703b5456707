"""Web protections of the platform: server-side sessions, CSRF, security headers, sign-in
throttling and request body limits."""
