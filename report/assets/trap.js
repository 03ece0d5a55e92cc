(function () {
  'use strict';
  // Error trap: every script error, unhandled rejection, failed resource
  // load and Content-Security-Policy violation is written into
  // #js-errors, so that a headless browser test can assert it stayed empty.
  var queue = [];
  function record(msg) {
    var box = document.getElementById('js-errors');
    if (!box) { queue.push(String(msg)); return; }
    box.textContent += String(msg) + '\n';
    box.setAttribute('data-errors', String((Number(box.getAttribute('data-errors')) || 0) + 1));
  }
  window.__reportError = record;
  window.addEventListener('error', function (e) {
    if (e.target && e.target !== window && (e.target.src || e.target.href)) {
      record('resource failed: ' + (e.target.src || e.target.href));
      return;
    }
    record('error: ' + (e.message || e.type) + (e.filename ? ' at ' + e.filename + ':' + e.lineno : ''));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    record('unhandled rejection: ' + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    record('csp: blocked ' + e.blockedURI + ' (' + e.violatedDirective + ')');
  });
  document.addEventListener('DOMContentLoaded', function () {
    var q = queue; queue = [];
    q.forEach(record);
  });
})();
