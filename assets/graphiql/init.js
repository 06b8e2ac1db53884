// Starts GraphiQL on the page served at GET /graphql. Loaded as a same-origin file (no inline
// script) so that the page's Content-Security-Policy can allow scripts from its own origin only.
// Queries and mutations go to the page's own URL over HTTP; subscriptions to the same path over
// WebSocket (graphql-transport-ws), ws: or wss: to match the page.
(function () {
  'use strict';
  // GraphiQL's dialogs insert a <style> element; the page's policy lets it in with the nonce the
  // server gave this script (react-style-singleton reads it from __webpack_nonce__).
  var script = document.currentScript;
  if (script && script.nonce) {
    window.__webpack_nonce__ = script.nonce;
  }
  var root = document.getElementById('graphiql');
  var endpoint = new URL(window.location.pathname, window.location.href);
  var subscriptions = new URL(endpoint.href);
  subscriptions.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptions.href,
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
    })
  );
})();
