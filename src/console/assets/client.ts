// The console's only script, served as /assets/console.js (a module so the compiled image has it;
// the Content-Security-Policy allows no inline script). Pages work without it; with it they
// update themselves: the server pushes "changed" over Server-Sent Events when the shown objects
// change, and the script fetches the page again and swaps <main>, keeping a comment being typed
// the focus and the last action's outcome, and tells screen readers through the status region.
export const CLIENT_SCRIPT = `'use strict';
(function () {
  var source;
  function status(text) {
    var region = document.getElementById('live-status');
    if (region) region.textContent = text;
  }
  function connect() {
    var main = document.getElementById('main');
    var url = main && main.getAttribute('data-live');
    if (!url || !window.EventSource) return;
    source = new EventSource(url);
    source.addEventListener('changed', function () { source.close(); refresh(); });
    // A pause before the next stream, so a failing server is not asked in a tight loop.
    source.addEventListener('reconnect', function () { source.close(); setTimeout(connect, 2000); });
    source.addEventListener('unavailable', function () { source.close(); });
    source.addEventListener('expired', function () {
      source.close();
      status('Your session has ended. Reload the page to sign in again.');
    });
  }
  function refresh() {
    fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { 'x-console-refresh': '1' } })
      .then(function (res) {
        if (res.redirected || !res.ok) { status('This page changed. Reload it to see the changes.'); return undefined; }
        return res.text();
      })
      .then(function (html) {
        if (html === undefined) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('main');
        var main = document.getElementById('main');
        if (!fresh || !main) return;
        var typed = main.querySelector('textarea');
        var focused = document.activeElement && document.activeElement.id;
        var freshText = fresh.querySelector('textarea');
        if (typed && freshText) freshText.value = typed.value;
        // The outcome of the person's last action stays until they leave the page.
        var flash = main.querySelector('.flash');
        if (flash && !fresh.querySelector('.flash')) fresh.insertBefore(flash, fresh.firstChild);
        main.replaceWith(document.adoptNode(fresh));
        if (focused) { var el = document.getElementById(focused); if (el) el.focus(); }
        status('Updated ' + new Date().toLocaleTimeString());
        connect();
      })
      .catch(function () { status('Live updates stopped. Reload the page to see changes.'); });
  }
  document.addEventListener('DOMContentLoaded', connect);
})();
`;
