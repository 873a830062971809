// Hearth's service worker: the run-sheet of a meeting keeps working with no signal.
//
// - Pages of a meeting the facilitator has open (the run-sheet, the sign-in list, the printable
//   sign-in sheet) and Hearth's own files are kept on this phone. Online they are always
//   fetched afresh (and the copy kept is brought up to date); only when the network does not
//   answer is the copy shown. Nothing else is ever kept.
// - An action sent from one of those pages (signing someone in, a walk-in, notes, the
//   round-up...) always carries an Idempotency-Key made here. When the network does not
//   answer, the action is kept in IndexedDB, with its key and the account that made it, and
//   the page it came from is shown again (the page shows what is waiting). When the signal
//   returns, the actions are sent in order, each with its own key, so each is done exactly
//   once even if a copy had in fact arrived.
// - Actions are sent only while the account that made them is the one signed in. Signing
//   out removes everything kept here (the server's Clear-Site-Data, and the page asks first
//   when actions are still waiting).
"use strict";

var PAGES = "hearth-pages-v1";
var DB = "hearth-offline";

function openDb() {
  return new Promise(function (resolve, reject) {
    var req = indexedDB.open(DB, 1);
    req.onupgradeneeded = function () {
      var db = req.result;
      db.createObjectStore("actions", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("meta");
    };
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });
}

function tx(store, mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(store, mode);
      var result;
      Promise.resolve(work(t.objectStore(store))).then(function (r) { result = r; });
      t.oncomplete = function () { db.close(); resolve(result); };
      t.onerror = function () { db.close(); reject(t.error); };
      t.onabort = function () { db.close(); reject(t.error); };
    });
  });
}

function request(r) {
  return new Promise(function (resolve, reject) {
    r.onsuccess = function () { resolve(r.result); };
    r.onerror = function () { reject(r.error); };
  });
}

function getMeta(key) {
  return tx("meta", "readonly", function (s) { return request(s.get(key)); });
}

function setMeta(key, value) {
  return tx("meta", "readwrite", function (s) { s.put(value, key); });
}

function allActions() {
  return tx("actions", "readonly", function (s) { return request(s.getAll()); });
}

function addAction(action) {
  return tx("actions", "readwrite", function (s) { s.add(action); });
}

function removeAction(seq) {
  return tx("actions", "readwrite", function (s) { s.delete(seq); });
}

function newKey() {
  if (self.crypto && self.crypto.randomUUID) {
    return self.crypto.randomUUID();
  }
  var bytes = new Uint8Array(16);
  self.crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
}

function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (list) {
    list.forEach(function (c) { c.postMessage(message); });
  });
}

// --- keeping pages ------------------------------------------------------------------------

// A page is kept under its path and query, without the fragment and without `needs=` (a
// step is kept without members' needs unless the facilitator chose to keep them).
function pageKey(url) {
  var u = new URL(url);
  u.hash = "";
  u.searchParams.delete("needs");
  return u.origin + u.pathname + u.search;
}

// A meeting's run-sheet without a step named: shown from the copy of the step it is at.
function runPath(url) {
  var u = new URL(url);
  return /^\/meetings\/\d+\/run$/.test(u.pathname) && !u.searchParams.has("step") ? u.pathname : null;
}

function keep(urls) {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (res) {
        if (res.ok && !res.redirected) {
          return cache.put(pageKey(url), res).then(function () { return null; });
        }
        return url + " " + res.status;
      }, function () { return url + " unreachable"; });
    }));
  }).then(function (done) {
    // What could not be kept, for whoever looks into a problem (null when all were kept).
    lastMissing = done.filter(Boolean);
    return lastMissing.length === 0;
  });
}

// The pages kept, also held here so that each request is decided at once (read again from
// IndexedDB when the worker has been stopped and started).
var keptList = null;
var lastMissing = [];

function keptPaths() {
  return getMeta("kept").then(function (list) {
    keptList = list || [];
    return keptList;
  });
}

function keptNow(url) {
  if (keptList === null) {
    return false;
  }
  var run = runPath(url);
  if (run) {
    return keptList.indexOf(new URL(url).origin + run + "?step=0") !== -1;
  }
  return keptList.indexOf(pageKey(url)) !== -1;
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || (req.method !== "GET" && req.method !== "POST")) {
    return;
  }
  if (keptList === null) {
    // Just started: decide once the list is read.
    event.respondWith(keptPaths().then(function () { return handle(req, url); }));
    return;
  }
  if (ours(req, url)) {
    event.respondWith(handle(req, url));
  }
});

function ours(req, url) {
  if (req.method === "GET") {
    return keptNow(req.url) || url.pathname.indexOf("/static/") === 0;
  }
  return !!req.referrer && keptNow(req.referrer);
}

function handle(req, url) {
  if (!ours(req, url)) {
    return fetch(req);
  }
  if (req.method === "POST") {
    return act(req);
  }
  return fetch(req).then(function (res) {
    // The server answers: send anything waiting.
    if (res.ok) {
      send();
    }
    return res;
  }, function () {
    return fromPhone(req.url);
  });
}

// The kept copy of a page; a run-sheet without a step named is shown at the step it was last
// moved to (on this phone with no signal, or as the server said when the page was kept).
function fromPhone(href) {
  var run = runPath(href);
  var key = Promise.resolve(pageKey(href));
  if (run) {
    key = Promise.all([getMeta("step:" + run), getMeta("at:" + run)]).then(function (got) {
      var moved = got[0];
      var at = got[1];
      var pick = moved && (!at || moved.t >= at.t) ? moved : at;
      return new URL(href).origin + run + "?step=" + (pick ? pick.step : 0);
    });
  }
  return key.then(function (k) {
    return caches.open(PAGES).then(function (cache) { return cache.match(k); });
  }).then(function (copy) {
    return copy ? stamp(copy) : Response.error();
  });
}

// A kept page says it is the phone's copy, and its clocks count from now on this phone.
function stamp(copy) {
  var type = copy.headers.get("content-type") || "";
  if (type.indexOf("text/html") !== 0) {
    return copy;
  }
  return copy.text().then(function (html) {
    var headers = new Headers(copy.headers);
    headers.delete("content-length");
    headers.delete("content-encoding");
    html = html.replace(/data-now="\d+"/, 'data-now="' + Math.floor(Date.now() / 1000) + '"')
      .replace("<html", '<html data-kept="yes"');
    return new Response(html, { status: 200, headers: headers });
  });
}

// An action from a kept page: sent with its own key; kept for later when there is no signal.
function act(req) {
  var fetched = req.headers.get("x-requested-with") === "fetch";
  return req.clone().text().then(function (body) {
    var action = {
      key: newKey(),
      url: req.url,
      body: body,
      type: req.headers.get("content-type") || "application/x-www-form-urlencoded",
      fetched: fetched,
      from: pageKey(req.referrer),
      at: Date.now()
    };
    return getMeta("account").then(function (account) {
      action.account = account || "";
      // Actions go in the order they were made: anything still waiting goes first, and while
      // something waits, this one waits behind it.
      return waitingFor(action.account).then(function (n) {
        return n > 0 ? send().then(function () { return waitingFor(action.account); }) : 0;
      }).then(function (n) {
        if (n > 0) {
          return Promise.reject(new Error("waiting behind earlier actions"));
        }
        return post(action);
      }).then(function (res) {
        send();
        return res;
      }, function () {
        return addAction(action).then(function () {
          tell({ type: "waiting" });
          if (fetched) {
            return new Response(JSON.stringify({ queued: true }), {
              status: 200,
              headers: { "content-type": "application/json; charset=utf-8" }
            });
          }
          return whereNext(action).then(function (to) {
            return Response.redirect(to, 303);
          });
        });
      });
    });
  });
}

// Where the phone goes after an action it kept: the step moved to, "End the meeting?", or
// back to the page the action came from.
function whereNext(action) {
  var u = new URL(action.url);
  var fields = new URLSearchParams(action.body);
  var m = u.pathname.match(/^(\/meetings\/\d+\/run)\/step$/);
  if (m && /^\d+$/.test(fields.get("step") || "")) {
    var step = Number(fields.get("step"));
    return setMeta("step:" + m[1], { step: step, t: action.at }).then(function () {
      return u.origin + m[1] + "?step=" + step;
    });
  }
  if (/^\/meetings\/\d+\/start$/.test(u.pathname)) {
    // Started with no signal (from the meeting's page, kept by choice): on to the run-sheet.
    return Promise.resolve(u.origin + u.pathname.replace(/\/start$/, "/run"));
  }
  if (/^\/meetings\/\d+\/end$/.test(u.pathname)) {
    // Asked first (the kept question); once answered, back to the run-sheet, which says the
    // meeting is ended when the signal returns.
    return Promise.resolve(u.origin + u.pathname.replace(/\/end$/, fields.get("confirm") === "yes" ? "/run" : "/end"));
  }
  return Promise.resolve(action.from);
}

function post(action, csrf) {
  // When it was made: a move between steps made with no signal counts from then, and the
  // latest move wins when two phones catch up.
  var headers = {
    "content-type": action.type,
    "idempotency-key": action.key,
    "hearth-made-at": String(action.at)
  };
  if (action.fetched) {
    headers["x-requested-with"] = "fetch";
  }
  var body = action.body;
  if (csrf && action.type.indexOf("application/x-www-form-urlencoded") === 0) {
    // The form's anti-forgery token, as the account's session has it now (the same account:
    // only its own actions are sent).
    var params = new URLSearchParams(body);
    if (params.has("csrf_token")) {
      params.set("csrf_token", csrf);
      body = params.toString();
    }
  }
  return fetch(action.url, {
    method: "POST",
    body: body,
    headers: headers,
    credentials: "same-origin",
    redirect: "manual"
  });
}

// --- sending what was kept ------------------------------------------------------------------

// How many of this account's actions are waiting.
function waitingFor(account) {
  return allActions().then(function (list) {
    return list.filter(function (a) { return a.account === account; }).length;
  });
}

// The anti-forgery token of the signed-in session, read from a page of the meeting (fetching
// it also sets the browser's token cookie); null when no one is signed in.
function freshToken(page) {
  return fetch(page, { credentials: "same-origin", cache: "no-store", redirect: "manual" }).then(function (res) {
    if (!res.ok) {
      return null;
    }
    return res.text().then(function (html) {
      var m = html.match(/name="csrf_token" value="([^"]+)"/);
      if (!m) {
        return null;
      }
      return setMeta("csrf", m[1]).then(function () { return m[1]; });
    });
  }, function () { return null; });
}

var sending = null;

function send() {
  if (sending) {
    return sending;
  }
  sending = Promise.all([getMeta("account"), getMeta("csrf"), allActions()]).then(function (got) {
    var account = got[0] || "";
    var csrf = got[1] || "";
    var mine = got[2].filter(function (a) { return a.account === account; });
    mine.sort(function (a, b) { return a.seq - b.seq; });
    var problem = null;
    return mine.reduce(function (done, action) {
      return done.then(function (stop) {
        if (stop) {
          return stop;
        }
        return post(action, csrf).then(function (res) {
          if (res.status === 403) {
            // The anti-forgery token has changed (the browser was closed and opened again, or
            // the session was renewed): a fresh one from the page, and once more.
            var meeting = new URL(action.url).pathname.match(/^\/meetings\/\d+\//);
            return freshToken(meeting ? self.location.origin + meeting[0] + "sign-in" : action.from).then(function (token) {
              if (!token) {
                return res;
              }
              csrf = token;
              return post(action, csrf);
            });
          }
          return res;
        }).then(function (res) {
          if (res.type === "opaqueredirect" || res.ok) {
            return removeAction(action.seq).then(function () { return null; });
          }
          if (res.status === 401 || res.status === 403) {
            return "signin";
          }
          if (res.status >= 500 || res.status === 408 || res.status === 409 || res.status === 429) {
            return "later";
          }
          // Refused for good (what was typed is not accepted): it is not kept, and the page
          // says so.
          problem = action;
          return removeAction(action.seq).then(function () { return null; });
        }, function () {
          return "offline";
        });
      });
    }, Promise.resolve(null)).then(function (stop) {
      return tell({ type: "sent", stop: stop, refused: problem ? problem.url : null });
    });
  }).catch(function () { return null; }).then(function () {
    sending = null;
  });
  return sending;
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var done;
  if (data.type === "hello") {
    // The page says who is signed in, its anti-forgery token and what to keep.
    var urls = (data.keep || []).map(function (u) { return new URL(u, self.location.origin).href; });
    // Pages the facilitator chose not to keep (members' needs): removed from the phone.
    var dropped = (data.drop || []).map(function (u) { return pageKey(new URL(u, self.location.origin).href); });
    var droppedDone = Promise.resolve();
    if (dropped.length) {
      droppedDone = keptPaths().then(function (list) {
        keptList = list.filter(function (k) { return dropped.indexOf(k) === -1; });
        return setMeta("kept", keptList);
      }).then(function () {
        return caches.open(PAGES);
      }).then(function (cache) {
        return Promise.all(dropped.map(function (k) { return cache.delete(k); }));
      });
    }
    var run = data.run || "";
    done = droppedDone.then(function () {
      return Promise.all([
        setMeta("account", String(data.account || "")),
        setMeta("csrf", String(data.csrf || "")),
        run && typeof data.step === "number" ? setMeta("at:" + run, { step: data.step, t: Date.now() }) : null,
        getMeta("version:" + run)
      ]);
    }).then(function (got) {
      if (!urls.length) {
        return true;
      }
      var keys = urls.map(pageKey);
      return keptPaths().then(function (list) {
        var fresh = keys.filter(function (k) { return list.indexOf(k) === -1; });
        // The copies are fetched again only when the meeting has changed (or new ones are
        // asked for, or the page asks: the facilitator chose to keep needs or not).
        if (!fresh.length && got[3] === data.version && !data.again) {
          return true;
        }
        keys.forEach(function (k) {
          if (list.indexOf(k) === -1) { list.push(k); }
        });
        keptList = list;
        return setMeta("kept", list).then(function () {
          return keep(urls);
        }).then(function (ready) {
          // Anything not kept is asked for once more, a moment later (a dropped request).
          if (ready) {
            return true;
          }
          var again = urls.filter(function (u) {
            return lastMissing.some(function (m) { return m.indexOf(u + " ") === 0; });
          });
          return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () {
            return keep(again);
          });
        }).then(function (ready) {
          return ready ? setMeta("version:" + run, data.version).then(function () { return true; }) : false;
        });
      });
    }).then(function (ready) {
      if (event.source) {
        event.source.postMessage({ type: "ready", ready: ready, missing: lastMissing });
      }
      return send();
    });
  } else if (data.type === "send") {
    done = send();
  } else if (data.type === "forget") {
    // Signing out: nothing of this account stays on the phone.
    done = Promise.all([
      caches.delete(PAGES),
      new Promise(function (resolve) {
        var del = indexedDB.deleteDatabase(DB);
        del.onsuccess = del.onerror = del.onblocked = function () { resolve(); };
      })
    ]);
  }
  if (done && event.waitUntil) {
    event.waitUntil(done);
  }
});
