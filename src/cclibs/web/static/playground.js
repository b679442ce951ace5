// The OAuth 2.0 Playground's page. The server does the OAuth work and keeps the secret and
// the tokens; this script sends it commands (JSON POSTs with the CSRF token) and shows the
// answers. Nothing secret is ever put in a URL.
(function () {
  "use strict";

  var root = document.querySelector("[data-playground]");
  if (!root) { return; }
  var csrf = root.getAttribute("data-csrf");
  var $ = function (id) { return document.getElementById(id); };
  var view = null;
  var skew = 0; // server clock minus browser clock, in seconds
  var refreshing = false;

  // Messages ------------------------------------------------------------------------------

  function showError(message) {
    var box = $("pg-error");
    box.textContent = message || "";
    box.hidden = !message;
    if (message) { $("pg-notice").hidden = true; }
  }

  function showNotice(message) {
    var box = $("pg-notice");
    box.textContent = message || "";
    box.hidden = !message;
  }

  // Commands ------------------------------------------------------------------------------

  function command(action, body) {
    return fetch("/playground/api/" + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        if (!data) { throw new Error("The playground did not answer (" + response.status + "). Reload the page."); }
        // A refusal brings the view too: the failure may have changed it (a refused refresh).
        if (data.view) { render(data.view); }
        if (!response.ok) {
          var error = new Error(data.message || "The command failed.");
          error.field = data.field || null;
          throw error;
        }
        return data;
      });
    });
  }

  function run(button, action, body) {
    if (button) { button.disabled = true; }
    showError("");
    return command(action, body).catch(function (error) {
      showError(error.message);
      return null;
    }).then(function (result) {
      if (button) { button.disabled = false; }
      return result;
    });
  }

  function config() {
    return {
      issuer: $("pg-issuer").value,
      client_id: $("pg-client-id").value.trim(),
      client_secret: $("pg-client-secret").value,
      scopes: $("pg-scopes").value.trim(),
      pkce: $("pg-pkce").checked,
      auth_method: $("pg-auth-method").value
    };
  }

  // Tabs (WAI-ARIA tabs: arrows move between tabs, the hash remembers the tab) ------------

  var tabs = Array.prototype.slice.call(root.querySelectorAll("[role=tab]"));

  function select(name, focus) {
    tabs.forEach(function (tab) {
      var on = tab.getAttribute("aria-controls") === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) { tab.focus(); }
    });
    if (window.location.hash !== "#" + name) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search + "#" + name);
    }
  }

  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { select(tab.getAttribute("aria-controls"), false); });
    tab.addEventListener("keydown", function (event) {
      var next = null;
      if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
      if (event.key === "ArrowLeft") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
      if (event.key === "Home") { next = tabs[0]; }
      if (event.key === "End") { next = tabs[tabs.length - 1]; }
      if (next) { event.preventDefault(); select(next.getAttribute("aria-controls"), true); }
    });
  });

  // Rendering -----------------------------------------------------------------------------

  function pretty(value) {
    return JSON.stringify(value, null, 2);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function tokenBlock(name, title, value, decoded, ended) {
    var block = element("section", ended ? "token ended" : "token");
    block.setAttribute("aria-label", title);
    var heading = element("h3", "", title);
    if (ended) {
      heading.appendChild(document.createTextNode(" "));
      heading.appendChild(element("span", "badge bad", /revoked/i.test(ended) ? "Revoked" : "No longer valid"));
    }
    block.appendChild(heading);
    if (ended) { block.appendChild(element("p", "token-ended", ended)); }
    var row = element("div", "copyable block");
    var code = element("code", "long", value);
    code.id = "pg-" + name.replace("_", "-");
    row.appendChild(code);
    var copy = element("button", "secondary small", "Copy");
    copy.type = "button";
    copy.setAttribute("aria-label", "Copy the " + title.toLowerCase());
    copy.addEventListener("click", function () { window.cclibsCopy(value, copy); });
    row.appendChild(copy);
    block.appendChild(row);
    if (decoded && decoded.jwt) {
      var verdict = decoded.valid === false ? "bad" : (decoded.valid ? "ok" : "unknown");
      var signature = element("p", "signature " + verdict, "Signature: " + decoded.signature +
        (decoded.problems && decoded.problems.length ? " — " + decoded.problems.join("; ") : ""));
      block.appendChild(signature);
      var details = element("details", "decoded");
      details.appendChild(element("summary", "", "Decoded header and claims"));
      details.appendChild(element("pre", "json", pretty({ header: decoded.header, claims: decoded.claims })));
      block.appendChild(details);
    } else if (decoded) {
      block.appendChild(element("p", "hint", "An opaque value, not a JWT: only the server can read it."));
    }
    return block;
  }

  function render(next) {
    view = next;
    skew = view.now ? view.now - Math.floor(Date.now() / 1000) : 0;
    var provider = view.provider;
    if (provider) {
      $("pg-authorization-endpoint").value = provider.authorization_endpoint || "";
      $("pg-token-endpoint").value = provider.token_endpoint || "";
    }
    var cfg = view.config || {};
    if (cfg.client_id && !$("pg-client-id").value) { $("pg-client-id").value = cfg.client_id; }
    $("pg-client-secret").placeholder = cfg.has_secret ? "Saved for this browser (leave empty to keep it)" : "";
    showError(view.error || "");

    var tokens = view.tokens;
    var list = $("pg-token-list");
    list.textContent = "";
    $("pg-no-tokens").hidden = !!tokens;
    $("pg-token-area").hidden = !tokens;
    if (tokens) {
      var decoded = tokens.decoded || {};
      var ended = tokens.ended || {};
      list.appendChild(tokenBlock("access_token", "Access token", tokens.access_token, decoded.access_token, ended.access_token));
      if (tokens.refresh_token) {
        list.appendChild(tokenBlock("refresh_token", "Refresh token", tokens.refresh_token, decoded.refresh_token, ended.refresh_token));
      }
      if (tokens.id_token) {
        list.appendChild(tokenBlock("id_token", "ID token", tokens.id_token, decoded.id_token));
      }
      var usable = !!tokens.refresh_token && !ended.refresh_token;
      $("pg-refresh-actions").hidden = !!ended.refresh_token;
      $("pg-refresh").disabled = !usable;
      $("pg-auto-refresh").disabled = !usable;
      if (!usable) { $("pg-auto-refresh").checked = false; }
      $("pg-revoke-refresh").hidden = !usable;
      $("pg-revoke-access").hidden = !!ended.access_token;
      list.appendChild(element("p", "hint", "Scopes: " + (tokens.scope || "(none)")));
      whyNoRefresh(tokens, ended);
    }
    renderIntrospection(tokens && tokens.introspection);
    var log = view.log || [];
    $("pg-exchanges").hidden = !log.length;
    var items = $("pg-log");
    items.textContent = "";
    log.forEach(function (entry) {
      var item = element("li");
      item.appendChild(element("strong", "", entry.title + ": " + entry.status));
      item.appendChild(element("pre", "json", entry.method + " " + entry.url + "\n" +
        pretty({ headers: entry.request_headers, form: entry.request_form }) + "\n\n" + pretty(entry.response)));
      items.appendChild(item);
    });
    renderDevice(view.device);
    tick();
  }

  function hasScope(list, name) {
    return (list || "").split(/[ ,]+/).indexOf(name) !== -1;
  }

  // Refresh and auto-refresh are never off without a word: the reason sits next to them.
  function whyNoRefresh(tokens, ended) {
    var reason = "";
    var offer = false;
    if (ended.refresh_token) {
      reason = "The refresh token is no longer valid: Generate Tokens again on the Authorization tab for new ones.";
    } else if (tokens.refresh_token) {
      reason = "";
    } else if (tokens.grant === "client_credentials") {
      reason = "No refresh token: the client credentials grant never returns one. Ask for a new token instead.";
    } else if (!hasScope(tokens.scope, "offline_access")) {
      reason = "Refresh needs a refresh token, and there is none: offline_access was not among the scopes asked for.";
      offer = !hasScope($("pg-scopes").value, "offline_access");
      if (!offer) { reason += " It is in the Scopes field now: press Generate Tokens again."; }
    } else {
      reason = "No refresh token came back, though offline_access was asked for: the credential may have no offline access (a Single-Page App gets none unless an administrator allows it).";
    }
    $("pg-refresh-why-text").textContent = reason;
    $("pg-add-offline").hidden = !offer;
    $("pg-refresh-why").hidden = !reason;
  }

  function renderIntrospection(shown) {
    $("pg-introspection").hidden = !shown;
    if (!shown) { return; }
    var when = new Date(shown.at * 1000).toLocaleTimeString();
    $("pg-introspection-when").textContent = "The server's answer for the " + shown.which.replace("_", " ") + ", asked at " + when + ".";
    $("pg-introspection-body").textContent = pretty(shown.answer);
  }

  // Expiry countdown and auto-refresh -----------------------------------------------------

  function tick() {
    var box = $("pg-expiry");
    var tokens = view && view.tokens;
    var ended = (tokens && tokens.ended) || {};
    if (tokens && ended.access_token) {
      box.textContent = "The access token is no longer valid: calls with it fail.";
      box.className = "expiry expired";
      return;
    }
    if (!tokens || !tokens.expires_at) { box.textContent = tokens ? "The token response named no lifetime." : "—"; return; }
    var left = tokens.expires_at - (Math.floor(Date.now() / 1000) + skew);
    if (left <= 0) {
      box.textContent = "The access token has expired.";
      box.className = "expiry expired";
    } else {
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      box.textContent = "The access token expires in " + (h ? h + " h " : "") + m + " min " + s + " s.";
      box.className = "expiry";
    }
    var lifetime = tokens.expires_at - tokens.obtained_at;
    var due = left <= Math.max(30, Math.min(300, lifetime / 10));
    if ($("pg-auto-refresh").checked && tokens.refresh_token && !ended.refresh_token && due && !refreshing) {
      refreshing = true;
      run($("pg-refresh"), "refresh").then(function (result) {
        refreshing = false;
        if (result) { showNotice("The access token was refreshed automatically."); }
        else { $("pg-auto-refresh").checked = false; }
      });
    }
  }

  window.setInterval(tick, 1000);

  // Authorization tab ---------------------------------------------------------------------

  function secretProblem(message) {
    setProblem($("pg-client-secret").closest(".field"), $("pg-client-secret"), $("pg-secret-error"), message);
  }

  $("pg-config").addEventListener("submit", function (event) {
    event.preventDefault();
    var button = $("pg-generate");
    button.disabled = true;
    showError("");
    secretProblem("");
    command("authorize", config()).then(function (result) {
      if (result.authorization_url) { window.location.assign(result.authorization_url); }
    }).catch(function (error) {
      // A problem with one field is told at that field, and nobody is sent away.
      if (error.field === "client_secret") {
        secretProblem(error.message);
        $("pg-client-secret").focus();
      } else {
        showError(error.message);
      }
    }).then(function () { button.disabled = false; });
  });

  $("pg-client-secret").addEventListener("input", function () { secretProblem(""); });

  $("pg-show-secret").addEventListener("click", function () {
    var field = $("pg-client-secret");
    var show = field.type === "password";
    field.type = show ? "text" : "password";
    this.setAttribute("aria-pressed", show ? "true" : "false");
    this.textContent = show ? "Hide" : "Show";
  });

  $("pg-add-offline").addEventListener("click", function () {
    var chosen = scopeList().filter(function (s) { return s !== "offline_access"; });
    chosen.push("offline_access");
    $("pg-scopes").value = chosen.join(",");
    syncScopes();
    select("authorization", false);
    $("pg-scopes").focus();
    showNotice("offline_access is added to the scopes: press Generate Tokens to get a refresh token.");
  });

  function explainRefresh() {
    var tokens = view && view.tokens;
    if (tokens) { whyNoRefresh(tokens, tokens.ended || {}); }
  }

  $("pg-default-scopes").addEventListener("click", function () {
    $("pg-scopes").value = this.getAttribute("data-scopes");
    syncScopes();
  });

  function scopeList() {
    return $("pg-scopes").value.split(/[ ,]+/).filter(Boolean);
  }

  function syncScopes() {
    var chosen = scopeList();
    root.querySelectorAll("input[data-scope]").forEach(function (box) {
      box.checked = chosen.indexOf(box.value) !== -1;
    });
    explainRefresh(); // the offer to add offline_access follows the field
  }

  root.querySelectorAll("input[data-scope]").forEach(function (box) {
    box.addEventListener("change", function () {
      var chosen = scopeList().filter(function (s) { return s !== box.value; });
      if (box.checked) { chosen.push(box.value); }
      $("pg-scopes").value = chosen.join(",");
      explainRefresh();
    });
  });
  $("pg-scopes").addEventListener("input", syncScopes);
  syncScopes();

  var use = $("pg-use-credential");
  if (use) {
    use.addEventListener("click", function () {
      var clientId = $("pg-credential").value;
      if (!clientId) { showError("Choose a credential first."); return; }
      run(use, "use-credential", { client_id: clientId }).then(function (result) {
        if (!result) { return; }
        $("pg-client-id").value = result.client_id;
        $("pg-client-secret").value = "";
        $("pg-pkce").checked = true;
        showNotice(result.message);
        if (result.confidential) { $("pg-client-secret").focus(); }
      });
    });
  }

  $("pg-share").addEventListener("click", function () {
    var cfg = config();
    var params = new URLSearchParams({
      issuer: cfg.issuer, client_id: cfg.client_id, scope: cfg.scopes,
      pkce: cfg.pkce ? "1" : "0", auth_method: cfg.auth_method, api_base: $("pg-api-base").value
    });
    var link = window.location.origin + "/playground?" + params.toString() + "#authorization";
    window.cclibsCopy(link, this);
    $("pg-share-hint").hidden = false;
  });

  $("pg-reset").addEventListener("click", function () {
    run(this, "reset").then(function (result) {
      if (result) { window.location.assign("/playground#authorization"); window.location.reload(); }
    });
  });

  // Tokens tab ----------------------------------------------------------------------------

  $("pg-refresh").addEventListener("click", function () {
    run(this, "refresh").then(function (result) { if (result) { showNotice("A new access token is here."); } });
  });

  function revoke(which, button) {
    run(button, "revoke", { which: which }).then(function (result) {
      if (!result) { return; }
      var ended = (result.view.tokens && result.view.tokens.ended) || {};
      var both = ended.access_token && ended.refresh_token;
      showNotice(both ? "The access token and the refresh token are revoked: calls with them now fail."
        : "The " + which.replace("_", " ") + " is revoked: calls with it now fail.");
    });
  }

  $("pg-revoke-access").addEventListener("click", function () { revoke("access_token", this); });
  $("pg-revoke-refresh").addEventListener("click", function () { revoke("refresh_token", this); });

  $("pg-introspect").addEventListener("click", function () {
    run(this, "introspect", { which: "access_token" });
  });

  // Try the API ---------------------------------------------------------------------------

  var apiOrigins = Array.prototype.map.call($("pg-api-base").options, function (o) { return o.value; });

  // Path parameters. An operation's "{libraryId}" is asked for, pre-filled from what earlier
  // responses on this page named, and URL-encoded into the path: a template is never sent.

  var PLACEHOLDER = /\{([^{}\/?#]*)\}/g;
  var remembered = {}; // parameter name -> the last value a response named or the user typed
  var params = {};     // parameter name -> its field, for the chosen operation
  var template = null; // the chosen operation's path
  var builtUrl = "";   // the URL last built from it (the user may add a query after it)

  function text(value) {
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
  }

  function first(list) {
    return Array.isArray(list) && list[0] && typeof list[0] === "object" ? list[0] : null;
  }

  // Where a response names each parameter: the first item of a list, or the thing itself.
  // A private library goes by its library_urn in paths (its id works on this server too).
  var SOURCES = {
    libraryId: function (body) {
      var library = first(body.libraries) || (body.library_urn || body.assetSubType === "library" ? body : null);
      if (library) { return text(library.library_urn) || text(library.id); }
      return body.assetSubType === "element" ? text(body.parent_id) : "";
    },
    elementId: function (body) {
      var item = first(body.elements) || (body.assetSubType === "element" ? body : null);
      return item ? text(item.id) : "";
    },
    bookmarkId: function (body) {
      var bookmark = first(body.bookmarks);
      return bookmark ? text(bookmark.id) : "";
    }
  };

  function placeholders(path) {
    var names = [];
    path.replace(PLACEHOLDER, function (whole, name) {
      if (names.indexOf(name) === -1) { names.push(name); }
      return whole;
    });
    return names;
  }

  // encodeURIComponent, but ":" and "@" stay: RFC 3986 §3.3 allows them in a path segment,
  // and a library's URN (urn:aaid:sc:US:…) stays readable.
  function encodeSegment(value) {
    return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%40/gi, "@");
  }

  function fill(url) {
    return url.replace(PLACEHOLDER, function (whole, name) {
      var value = params[name] ? params[name].input.value.trim() : "";
      return value ? encodeSegment(value) : whole;
    });
  }

  function setProblem(field, input, box, message) {
    box.textContent = message;
    box.hidden = !message;
    field.classList.toggle("invalid", !!message);
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-errormessage", box.id);
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-errormessage");
    }
  }

  function paramProblem(name, message) {
    var param = params[name];
    setProblem(param.field, param.input, param.problem, message);
  }

  function urlProblem(message) {
    setProblem($("pg-url").parentNode, $("pg-url"), $("pg-url-error"), message);
  }

  // The request URL follows the parameters while it still starts with the URL built from them.
  function rebuild() {
    if (template === null) { return; }
    var next = $("pg-api-base").value + fill(template);
    var url = $("pg-url").value;
    if (url.indexOf(builtUrl) === 0) { $("pg-url").value = next + url.slice(builtUrl.length); }
    builtUrl = next;
  }

  function showParams(path) {
    var box = $("pg-param-fields");
    box.textContent = "";
    params = {};
    var names = placeholders(path || "");
    names.forEach(function (name) {
      var id = "pg-param-" + name;
      var field = element("div", "field");
      var label = element("label", "", name);
      label.htmlFor = id;
      var input = element("input");
      input.id = id;
      input.type = "text";
      input.required = true;
      input.spellcheck = false;
      input.autocomplete = "off";
      input.setAttribute("autocapitalize", "off");
      input.setAttribute("aria-describedby", "pg-params-hint");
      input.value = remembered[name] || "";
      var problem = element("p", "error");
      problem.id = id + "-error";
      problem.setAttribute("role", "alert");
      problem.hidden = true;
      input.addEventListener("input", function () {
        var value = input.value.trim();
        if (value) { remembered[name] = value; }
        paramProblem(name, "");
        urlProblem("");
        rebuild();
      });
      field.appendChild(label);
      field.appendChild(input);
      field.appendChild(problem);
      box.appendChild(field);
      params[name] = { field: field, input: input, problem: problem };
    });
    $("pg-params").hidden = !names.length;
  }

  function chooseOperation(path) {
    template = path;
    showParams(path);
    urlProblem("");
    builtUrl = path === null ? "" : $("pg-api-base").value + fill(path);
  }

  // What a successful JSON response names is remembered, and fills the empty fields shown.
  function learn(response) {
    if (!response || response.status < 200 || response.status >= 300) { return; }
    var body = null;
    try { body = JSON.parse(response.body); } catch (e) { return; }
    if (!body || typeof body !== "object" || Array.isArray(body)) { return; }
    Object.keys(SOURCES).forEach(function (name) {
      var value = SOURCES[name](body);
      if (!value) { return; }
      remembered[name] = value;
      if (params[name] && !params[name].input.value.trim()) {
        params[name].input.value = value;
        paramProblem(name, "");
      }
    });
    rebuild();
  }

  // The URL to send, with every parameter filled in; or null, with each missing one marked.
  function requestUrl() {
    var url = fill($("pg-url").value.trim());
    var unknown = [];
    var missing = null;
    Object.keys(params).forEach(function (name) { paramProblem(name, ""); });
    urlProblem("");
    url.replace(PLACEHOLDER, function (whole, name) {
      if (params[name]) {
        paramProblem(name, "Enter the " + name + ": the path needs it.");
        missing = missing || params[name].input;
      } else if (unknown.indexOf(whole) === -1) {
        unknown.push(whole);
      }
      return whole;
    });
    if (unknown.length) {
      urlProblem("Replace " + unknown.join(", ") + " in the request URL with a value.");
    }
    if (missing) { missing.focus(); return null; }
    if (unknown.length) { $("pg-url").focus(); return null; }
    if (url !== $("pg-url").value) { $("pg-url").value = url; }
    return url;
  }

  $("pg-operation").addEventListener("change", function () {
    var option = this.options[this.selectedIndex];
    if (!option.value) { return; }
    $("pg-method").value = option.getAttribute("data-method");
    chooseOperation(option.getAttribute("data-path"));
    $("pg-url").value = builtUrl;
    $("pg-body").value = option.getAttribute("data-body") || "";
  });

  $("pg-url").addEventListener("input", function () { urlProblem(""); });

  $("pg-api-base").addEventListener("change", function () {
    var base = this.value;
    apiOrigins.forEach(function (origin) {
      if ($("pg-url").value.indexOf(origin) === 0) { $("pg-url").value = base + $("pg-url").value.slice(origin.length); }
      if (builtUrl.indexOf(origin) === 0) { builtUrl = base + builtUrl.slice(origin.length); }
    });
  });

  function filled(text) {
    var tokens = (view && view.tokens) || {};
    var cfg = (view && view.config) || {};
    return text.split("${access_token}").join(tokens.access_token || "")
      .split("${client_id}").join(cfg.client_id || "");
  }

  function sendRequest() {
    var url = requestUrl();
    if (url === null) { return Promise.resolve(null); }
    $("pg-response").hidden = true;
    $("pg-status").textContent = "";
    return run($("pg-send"), "call", {
      method: $("pg-method").value,
      url: url,
      headers: $("pg-headers").value,
      body: $("pg-body").value
    }).then(function (result) {
      if (result) {
        learn(result.response);
        showResponse(result.response);
      }
    });
  }

  $("pg-request").addEventListener("submit", function (event) {
    event.preventDefault();
    sendRequest();
  });

  function linkable(value) {
    if (typeof value !== "string") { return false; }
    if (value.charAt(0) === "/" && value.charAt(1) !== "/") { return true; }
    return apiOrigins.some(function (origin) { return value.indexOf(origin + "/") === 0; });
  }

  function follow(value) {
    // A link is a request of its own, no longer the chosen operation.
    $("pg-operation").value = "";
    chooseOperation(null);
    $("pg-method").value = "GET";
    $("pg-url").value = value.charAt(0) === "/" ? $("pg-api-base").value + value : value;
    $("pg-body").value = "";
    sendRequest();
  }

  // JSON with every same-API link turned into a button that follows it.
  function renderJson(value, indent) {
    var pad = new Array(indent + 1).join("  ");
    var fragment = document.createDocumentFragment();
    if (Array.isArray(value) || (value && typeof value === "object")) {
      var isArray = Array.isArray(value);
      var keys = isArray ? value.map(function (_, i) { return i; }) : Object.keys(value);
      fragment.appendChild(document.createTextNode(isArray ? "[" : "{"));
      keys.forEach(function (key, i) {
        fragment.appendChild(document.createTextNode("\n" + pad + "  " + (isArray ? "" : JSON.stringify(key) + ": ")));
        fragment.appendChild(renderJson(value[key], indent + 1));
        if (i < keys.length - 1) { fragment.appendChild(document.createTextNode(",")); }
      });
      fragment.appendChild(document.createTextNode((keys.length ? "\n" + pad : "") + (isArray ? "]" : "}")));
    } else if (linkable(value)) {
      var button = element("button", "json-link", JSON.stringify(value));
      button.type = "button";
      button.title = "Follow this link";
      button.addEventListener("click", function () { follow(value); });
      fragment.appendChild(button);
    } else {
      fragment.appendChild(document.createTextNode(JSON.stringify(value)));
    }
    return fragment;
  }

  function showResponse(response) {
    $("pg-response").hidden = false;
    $("pg-status").textContent = response.status + " " + (response.reason || "");
    $("pg-status").className = response.status < 400 ? "ok" : "bad";
    $("pg-elapsed").textContent = response.elapsed_ms + " ms" + (response.truncated ? " · body cut at 1 MB" : "");
    $("pg-response-headers").textContent = response.headers.map(function (h) { return h[0] + ": " + h[1]; }).join("\n");
    var body = $("pg-response-body");
    body.textContent = "";
    var parsed = null;
    try { parsed = JSON.parse(response.body); } catch (e) { parsed = null; }
    if (parsed !== null && typeof parsed === "object") { body.appendChild(renderJson(parsed, 0)); }
    else { body.textContent = response.body || "(empty body)"; }
  }

  function shellQuote(text) {
    return "'" + text.split("'").join("'\\''") + "'";
  }

  $("pg-curl").addEventListener("click", function () {
    var url = requestUrl();
    if (url === null) { return; }
    var parts = ["curl", "-X", $("pg-method").value, shellQuote(url)];
    filled($("pg-headers").value).split("\n").forEach(function (line) {
      if (line.trim()) { parts.push("\\\n  -H " + shellQuote(line.trim())); }
    });
    if ($("pg-body").value && $("pg-method").value !== "GET") {
      parts.push("\\\n  --data-raw " + shellQuote($("pg-body").value));
    }
    window.cclibsCopy(parts.join(" "), this);
  });

  // Other flows ---------------------------------------------------------------------------

  $("pg-client-credentials").addEventListener("click", function () {
    run(this, "client-credentials", config()).then(function (result) {
      if (result) { showNotice("A client_credentials token is on the Tokens tab."); select("tokens", false); }
    });
  });

  var polling = null;

  function renderDevice(device) {
    var box = $("pg-device");
    if (!device) { box.hidden = true; return; }
    box.hidden = false;
    var link = $("pg-device-link");
    // Only an http(s) address becomes a link: the provider chose it (a javascript: URL would
    // run here). Anything else is shown as text.
    var target = [device.verification_uri_complete, device.verification_uri].filter(function (uri) {
      return typeof uri === "string" && /^https?:\/\//i.test(uri);
    })[0];
    if (target) link.href = target; else link.removeAttribute("href");
    link.textContent = device.verification_uri || device.verification_uri_complete || "";
    $("pg-user-code").textContent = device.user_code || "";
    var words = { pending: "Waiting for you to approve…", done: "Approved: the tokens are on the Tokens tab.",
      failed: "Refused or failed; see the message above.", expired: "The code expired." };
    $("pg-device-status").textContent = words[device.status] || device.status;
  }

  function poll() {
    command("device-poll").then(function (result) {
      if (result.poll === "approved") {
        window.clearInterval(polling);
        polling = null;
        showNotice("The device authorization is approved.");
        select("tokens", false);
      }
    }).catch(function (error) {
      window.clearInterval(polling);
      polling = null;
      showError(error.message);
    });
  }

  $("pg-device-start").addEventListener("click", function () {
    run(this, "device-start", config()).then(function (result) {
      if (!result) { return; }
      if (polling) { window.clearInterval(polling); }
      // The server polls the token endpoint no faster than the interval it was given.
      polling = window.setInterval(poll, 2000);
    });
  });

  // Start ---------------------------------------------------------------------------------

  function fromHash() {
    var name = (window.location.hash || "#authorization").slice(1);
    select(tabs.some(function (t) { return t.getAttribute("aria-controls") === name; }) ? name : "authorization", false);
  }

  window.addEventListener("hashchange", fromHash);
  fromHash();
  $("pg-issuer").addEventListener("change", function () {
    run(null, "state", { issuer: this.value });
  });
  command("state", { issuer: $("pg-issuer").value }).catch(function (error) { showError(error.message); });
})();
