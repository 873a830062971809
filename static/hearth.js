// Hearth's small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Move focus to an error summary so screen reader and keyboard users hear it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
  }

  // "Copy the link" buttons: shown only when the browser can copy.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector("[data-copy-status]");
    if (!input || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) {
          status.textContent = "The link has been copied.";
        }
      }, function () {
        input.select();
        if (status) {
          status.textContent = "Select the link and copy it.";
        }
      });
    });
  });

  // "Print" buttons: shown only with this script (a browser's own Print does the same).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () {
      input.select();
    });
  });
})();

// The run-sheet and sign-in screens: live clocks, saving as you type (kept in this browser
// until the server has it, so a dropped connection loses nothing), and picking up changes made
// on another device. Without this script every form still saves when its button is pressed.
(function () {
  "use strict";

  // --- clocks: "12 of 15 minutes", "3 minutes over the 15 planned" ---------------------------
  var clocks = document.querySelector("[data-now]");
  if (clocks) {
    var offset = Number(clocks.getAttribute("data-now")) * 1000 - Date.now();
    var tick = function () {
      var now = Date.now() + offset;
      document.querySelectorAll("[data-clock-since]").forEach(function (el) {
        var since = Number(el.getAttribute("data-clock-since")) * 1000;
        var planned = Number(el.getAttribute("data-clock-planned"));
        var elapsed = Math.max(0, Math.floor((now - since) / 60000));
        var over = elapsed - planned;
        el.textContent = over > 0
          ? (over === 1 ? "1 minute" : over + " minutes") + " over the " + planned + " planned"
          : elapsed + " of " + planned + " minutes";
        if (el.parentNode && el.parentNode.classList) {
          el.parentNode.classList.toggle("clock-over", over > 0);
        }
      });
    };
    tick();
    setInterval(tick, 15000);
  }

  // --- saving in the background -------------------------------------------------------------
  var live = document.querySelector("[data-live]");
  var knownVersion = live ? Number(live.getAttribute("data-version")) : 0;
  var unsaved = 0;

  function draftKey(form, field) {
    return "hearth:draft:" + form.getAttribute("action") + ":" + field.name;
  }

  // A draft sent with its form by the browser (a button that goes elsewhere): most likely
  // saved, but kept under another name until a page shows it saved, in case the connection
  // dropped on the way.
  function sentKey(form, field) {
    return "hearth:sent:" + form.getAttribute("action") + ":" + field.name;
  }

  function setStatus(form, text) {
    var status = form.querySelector("[data-save-status]");
    if (status) {
      status.textContent = text;
    }
  }

  function save(form) {
    var data = new FormData(form);
    // Fields that are sent only with their own buttons (a review's note goes with its outcome).
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.hasAttribute("data-no-autosave")) { data.delete(el.name); }
    });
    var body = new URLSearchParams(data);
    // What each box held as sent: once saved, it is what the next save was made from.
    var sent = {};
    textFields(form).forEach(function (t) { sent[t.name] = t.value; });
    var madeFrom = function () {
      Object.keys(sent).forEach(function (name) {
        var was = form.elements[name + "~was"];
        if (was) { was.value = sent[name]; }
      });
    };
    form.setAttribute("data-dirty", "saving");
    setStatus(form, "Saving…");
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (res) {
      if (!res.ok) {
        throw new Error("status " + res.status);
      }
      return res.json();
    }).then(function (data) {
      if (data && typeof data.version === "number") {
        knownVersion = Math.max(knownVersion, data.version);
      }
      // Saved: the drafts kept on this device go, for every text box the form sends (those
      // placed elsewhere on the page with form="…" and one-line boxes too), so private notes
      // do not stay in the browser's storage.
      textFields(form).forEach(function (t) {
        if (window.localStorage) {
          localStorage.removeItem(draftKey(form, t));
          localStorage.removeItem(sentKey(form, t));
        }
      });
      form.removeAttribute("data-dirty");
      unsaved = document.querySelectorAll("form[data-dirty]").length;
      madeFrom();
      if (data && data.queued) {
        // No signal: kept on this phone by the service worker, and sent when it returns.
        setStatus(form, "Saved on this phone. It will be sent when the signal returns.");
        return;
      }
      var time = new Date();
      var h = time.getHours();
      var m = time.getMinutes();
      var label = (h % 12 === 0 ? 12 : h % 12) + ":" + (m < 10 ? "0" : "") + m + (h < 12 ? " am" : " pm");
      setStatus(form, "Saved at " + label + ".");
    }).catch(function () {
      form.setAttribute("data-dirty", "retry");
      setStatus(form, "Not saved yet: the connection dropped. Your notes are kept on this device and will be saved when it comes back.");
      setTimeout(function () { save(form); }, 5000);
    });
  }

  // A form's text boxes, including those placed elsewhere on the page with form="…".
  function textFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return !el.hasAttribute("data-no-autosave") &&
        (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text"));
    });
  }

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var timer = null;
    var later = function () {
      form.setAttribute("data-dirty", "typing");
      unsaved = document.querySelectorAll("form[data-dirty]").length;
      clearTimeout(timer);
      timer = setTimeout(function () { save(form); }, 1200);
    };
    textFields(form).forEach(function (t) {
      // A draft left from a lost connection wins over the page, and is saved again.
      var draft = window.localStorage ? localStorage.getItem(draftKey(form, t)) : null;
      if (draft === null && window.localStorage) {
        draft = localStorage.getItem(sentKey(form, t));
        if (draft !== null) {
          localStorage.removeItem(sentKey(form, t));
          if (draft !== t.value) { localStorage.setItem(draftKey(form, t), draft); }
        }
      }
      if (draft !== null && draft !== t.value) {
        t.value = draft;
        later();
      } else if (draft !== null) {
        localStorage.removeItem(draftKey(form, t));
      }
      t.addEventListener("input", function () {
        if (window.localStorage) {
          localStorage.setItem(draftKey(form, t), t.value);
        }
        later();
      });
    });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === "checkbox") {
        el.addEventListener("change", function () {
          clearTimeout(timer);
          save(form);
        });
      }
    });
    form.addEventListener("submit", function (e) {
      clearTimeout(timer);
      // A button that goes elsewhere (next step, end the meeting) sends the whole form, so
      // what was typed is saved on the way: let the browser submit it.
      // So does any press while a field that only travels with the form (a goal's note, a
      // topic being added) holds text.
      var carried = Array.prototype.some.call(form.elements, function (el) {
        return el.hasAttribute("data-no-autosave") && el.value !== "";
      });
      if ((e.submitter && e.submitter.hasAttribute("formaction")) || carried) {
        if (window.localStorage) {
          textFields(form).forEach(function (t) {
            var draft = localStorage.getItem(draftKey(form, t));
            if (draft !== null) {
              localStorage.setItem(sentKey(form, t), draft);
              localStorage.removeItem(draftKey(form, t));
            }
          });
        }
        return;
      }
      e.preventDefault();
      save(form);
    });
  });

  // --- changes from another device ----------------------------------------------------------
  if (live) {
    var url = live.getAttribute("data-live");
    var liveStatus = document.querySelector("[data-live-status]");
    setInterval(function () {
      if (document.hidden) {
        return;
      }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (data) {
          if (liveStatus) {
            liveStatus.textContent = "";
          }
          if (!data || data.version <= knownVersion) {
            return;
          }
          // Typing: in a box now, or text typed in any box and not sent yet (a walk-in's
          // name on the sign-in list): a reload would lose it.
          var active = document.activeElement;
          var typing = (active && (active.tagName === "TEXTAREA" ||
            (active.tagName === "INPUT" && (active.type === "text" || active.type === "email" || active.type === "tel")))) ||
            Array.prototype.some.call(document.querySelectorAll("textarea, input[type=text], input[type=email], input[type=tel]"),
              function (el) {
                // Notes that save themselves count only while being typed (`unsaved`).
                var autosaved = el.form && el.form.hasAttribute("data-autosave") && !el.hasAttribute("data-no-autosave");
                return !autosaved && el.value !== el.defaultValue;
              });
          if (unsaved === 0 && !typing) {
            window.location.reload();
          } else if (liveStatus) {
            liveStatus.textContent = "Someone else has made changes. They will show when you have finished typing.";
          }
        })
        .catch(function () {
          if (liveStatus) {
            liveStatus.textContent = "Offline for the moment. Changes are kept and will be saved.";
          }
        });
    }, 4000);
  }

  // --- nothing typed is lost ----------------------------------------------------------------
  // Saves every form still waiting (other than `except`); true when there were any, and then
  // `next` runs once they are saved.
  function saveWaitingThen(except, next) {
    var waiting = Array.prototype.filter.call(
      document.querySelectorAll("form[data-autosave][data-dirty]"),
      function (f) { return f !== except; }
    );
    if (waiting.length === 0) {
      return false;
    }
    Promise.all(waiting.map(function (f) { return save(f); })).then(next);
    return true;
  }

  // A form of typed content (a plan, a comment, someone's details: marked data-save-first)
  // that holds text nobody has sent yet.
  function typedIn(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      return (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" &&
        (el.type === "text" || el.type === "email" || el.type === "tel"))) && el.value !== el.defaultValue;
    });
  }

  function pendingContent(except) {
    return Array.prototype.filter.call(document.querySelectorAll("form[data-save-first]"), function (f) {
      return f !== except && typedIn(f);
    });
  }

  // Sends each waiting form in turn as the browser would. Resolves to the first one the server
  // did not take (shown again with its message, nothing else done), or null when all were saved.
  function sendInTurn(forms) {
    return forms.reduce(function (done, f) {
      return done.then(function (failed) {
        if (failed) { return failed; }
        return fetch(f.getAttribute("action"), {
          method: "POST",
          body: new URLSearchParams(new FormData(f)),
          credentials: "same-origin",
          redirect: "manual"
        }).then(function (res) {
          if (res.type === "opaqueredirect" || res.ok) {
            Array.prototype.forEach.call(f.elements, function (el) {
              if ("defaultValue" in el) { el.defaultValue = el.value; }
            });
            return null;
          }
          return f;
        });
      });
    }, Promise.resolve(null));
  }

  function resubmit(form, submitter) {
    form.setAttribute("data-saved-first", "yes");
    if (form.requestSubmit) {
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    } else {
      form.submit();
    }
  }

  // Pressing a button of another form (the sign-in list, undo a start, "I am coming") while
  // notes or typed content are waiting: save them first, then go on with that button. If the
  // server does not take what was typed, that form is shown again with its message instead.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || form.hasAttribute("data-autosave") || form.hasAttribute("data-saved-first")) {
      return;
    }
    var submitter = e.submitter;
    var content = pendingContent(form);
    var goOn = function () {
      if (content.length === 0) {
        resubmit(form, submitter);
        return;
      }
      sendInTurn(content).then(function (failed) {
        if (failed) {
          resubmit(failed, null);
        } else {
          resubmit(form, submitter);
        }
      }, function () {
        // No connection: go on, and the browser's own question keeps the text.
        resubmit(form, submitter);
      });
    };
    if (saveWaitingThen(form, goOn)) {
      e.preventDefault();
    } else if (content.length > 0) {
      e.preventDefault();
      goOn();
    }
  }, true);

  // Following a link (the sign-in list, the meeting page) with notes waiting: save them first.
  document.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest("a[href]") : null;
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey ||
        link.target || link.getAttribute("href").charAt(0) === "#") {
      return;
    }
    if (saveWaitingThen(null, function () { window.location.href = link.href; })) {
      e.preventDefault();
    }
  });
})();

// A page that is one form (a member's own page): Enter in a box presses the button of the
// part it is in. The page's first button does nothing, so without this script Enter never
// presses another part's button.
(function () {
  "use strict";
  document.querySelectorAll("form.page-form").forEach(function (form) {
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || !e.target || e.target.tagName !== "INPUT" || !e.target.closest) {
        return;
      }
      var part = e.target.closest("[data-part]");
      var button = part ? part.querySelector("button[formaction]") : null;
      if (button) {
        e.preventDefault();
        button.click();
      }
    });
  });
})();

// Any page: leaving with text typed and not saved (following a link, or pressing a button of
// another form) asks first. The form being sent carries its own text, so it never asks.
(function () {
  "use strict";
  var sending = null;
  document.addEventListener("submit", function (e) {
    sending = e.target;
  });
  function changed(el) {
    if (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && (el.type === "text" || el.type === "email" || el.type === "tel"))) {
      return el.value !== el.defaultValue;
    }
    return false;
  }
  // Signing out: notes kept on this device are not left in the browser for the next person
  // (the server's answer also clears the site's storage). If any have not been sent yet (the
  // connection dropped), say so first: they are lost once signed out.
  var signout = document.querySelector("form.signout");
  if (signout && window.localStorage) {
    signout.addEventListener("submit", function (e) {
      var waiting = 0;
      var kept = [];
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf("hearth:draft:") === 0) { waiting++; }
        if (key && (key.indexOf("hearth:draft:") === 0 || key.indexOf("hearth:sent:") === 0)) { kept.push(key); }
      }
      // Changes made with no signal, kept by the service worker and not sent yet.
      var offline = Number(localStorage.getItem("hearth:offline-waiting") || "0");
      if ((waiting > 0 || offline > 0) && !window.confirm((offline > 0
          ? offline + (offline === 1 ? " change" : " changes") + " made without signal " + (offline === 1 ? "has" : "have") + " not been sent yet."
          : "Some notes typed on this device have not been saved yet, because the connection dropped.") +
          " If you sign out now, they are deleted from this device. Sign out anyway?")) {
        e.preventDefault();
        return;
      }
      kept.push("hearth:offline-waiting");
      kept.forEach(function (key) { localStorage.removeItem(key); });
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "forget" });
      }
    });
  }

  window.addEventListener("beforeunload", function (e) {
    var lost = Array.prototype.some.call(document.querySelectorAll("textarea, input"), function (el) {
      if (!changed(el)) {
        return false;
      }
      var owner = el.form;
      var autosaved = owner && owner.hasAttribute("data-autosave") && !el.hasAttribute("data-no-autosave");
      if (owner && (owner === sending || autosaved || owner.method === "get")) {
        return false;
      }
      return true;
    });
    if (lost) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
})();

// Passkeys: "Add a passkey" and "Use my passkey" ask the browser (the phone's or computer's
// own lock) and send its answer in the form. Passkeys need this script; without it, or in a
// browser without passkeys, the page says so and the app's codes still work.
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-passkey]");
  if (!forms.length) {
    return;
  }

  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // webauthn-rs sends binary values as base64url text; the browser wants bytes.
  function requestOptions(json) {
    var options = JSON.parse(json).publicKey;
    Object.keys(options).forEach(function (key) {
      if (options[key] === null) {
        delete options[key];
      }
    });
    options.challenge = toBytes(options.challenge);
    if (options.user) {
      options.user.id = toBytes(options.user.id);
    }
    ["excludeCredentials", "allowCredentials"].forEach(function (list) {
      (options[list] || []).forEach(function (c) {
        c.id = toBytes(c.id);
      });
    });
    return options;
  }

  function answer(credential) {
    var r = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      if (r.userHandle) {
        out.response.userHandle = toText(r.userHandle);
      }
    }
    return JSON.stringify(out);
  }

  function problem(kind, error) {
    if (error && error.name === "InvalidStateError" && kind === "create") {
      return "This phone or computer already has a passkey for your account. You can use that one.";
    }
    if (error && error.name === "NotAllowedError") {
      return "The passkey was not used: it was cancelled or took too long. Press the button to try again.";
    }
    return "Your passkey could not be used here. Press the button to try again" +
      (kind === "get" ? ", or type a code instead." : ".");
  }

  forms.forEach(function (form) {
    var kind = form.getAttribute("data-passkey");
    var field = form.querySelector("input[name=credential]");
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-passkey-status]");
    var cannot = document.querySelector("[data-passkey-cannot]");
    if (!window.PublicKeyCredential || !navigator.credentials || !field || !button) {
      if (cannot) {
        cannot.hidden = false;
      }
      return;
    }
    button.hidden = false;
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      button.disabled = true;
      if (status) {
        status.textContent = kind === "create"
          ? "Follow what your phone or computer asks: your fingerprint, face or screen lock."
          : "Unlock with your fingerprint, face or screen lock when asked.";
      }
      var options = requestOptions(form.getAttribute("data-passkey-options"));
      var asked = kind === "create"
        ? navigator.credentials.create({ publicKey: options })
        : navigator.credentials.get({ publicKey: options });
      asked.then(function (credential) {
        field.value = answer(credential);
        if (status) {
          status.textContent = "Checking…";
        }
        form.submit();
      }, function (error) {
        busy = false;
        button.disabled = false;
        if (status) {
          status.textContent = problem(kind, error);
          // What the browser said, for whoever looks into a problem (not shown).
          status.setAttribute("data-error", error ? error.name + ": " + error.message : "");
        }
      });
    });
  });
})();

// Running a meeting with no signal. The run-sheet and the sign-in list ask the service worker
// (static/sw.js) to keep them on this phone; with no signal, each action is kept there and
// sent when the signal returns. These pages say what is waiting ("Saved on this phone — 3
// changes waiting") and show each waiting action in place. Signing out asks first while
// actions are waiting (the sign-out button's check above): it deletes them from the phone.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.indexedDB || !window.Promise) {
    return;
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("hearth-offline", 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore("actions", { keyPath: "seq", autoIncrement: true });
        req.result.createObjectStore("meta");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function allWaiting() {
    return openDb().then(function (db) {
      return new Promise(function (resolve) {
        var r = db.transaction("actions", "readonly").objectStore("actions").getAll();
        r.onsuccess = function () { db.close(); resolve(r.result || []); };
        r.onerror = function () { db.close(); resolve([]); };
      });
    }, function () { return []; });
  }

  var root = document.querySelector("[data-offline-keep]");
  if (!root) {
    return;
  }
  var account = root.getAttribute("data-account") || "";
  var statusEl = document.querySelector("[data-offline-status]");
  var csrf = document.querySelector("input[name=csrf_token]");
  var ready = false;
  var problem = "";
  var ended = false;
  var run = root.getAttribute("data-offline-run") || "";
  var kept = document.documentElement.hasAttribute("data-kept");
  // A step named in the address (`?step=2`, where the phone went with no signal) shown by the
  // server: from now on the address is the run-sheet's own, which shows the current step.
  if (!kept && run && location.pathname === run && /[?&]step=/.test(location.search) && window.history.replaceState) {
    window.history.replaceState(null, "", run + location.hash);
  }

  function timeLabel(d) {
    var h = d.getHours();
    var m = d.getMinutes();
    return (h % 12 === 0 ? 12 : h % 12) + ":" + (m < 10 ? "0" : "") + m + (h < 12 ? " am" : " pm");
  }

  function mine() {
    return allWaiting().then(function (list) {
      return list.filter(function (a) { return a.account === account; });
    });
  }

  function field(action, name) {
    return new URLSearchParams(action.body).get(name);
  }

  // A sign-in list entry's name and state, as the server writes them.
  function nameAndState(into, name, state) {
    [["signin-name", name], ["signin-state", state]].forEach(function (part, i) {
      if (i > 0) { into.appendChild(document.createTextNode(" ")); }
      var span = document.createElement("span");
      span.className = part[0];
      span.textContent = part[1];
      into.appendChild(span);
    });
  }

  // A tap that signs someone in carries a mark made here, and an undo the marks of the
  // sign-ins this page knows of, so that an undo on this phone leaves another's sign-in.
  document.addEventListener("submit", function (e) {
    var button = e.submitter;
    var m = button && button.name ? button.name.match(/^at-(\d+)\.present$/) : null;
    if (!m || button.value !== "true" || !e.target.querySelector) {
      return;
    }
    var li = document.getElementById("member-" + m[1]);
    if (!li) {
      return;
    }
    var mark = li.querySelector("input[name='at-" + m[1] + ".mark']");
    if (!mark) {
      mark = document.createElement("input");
      mark.type = "hidden";
      mark.name = "at-" + m[1] + ".mark";
      li.appendChild(mark);
    }
    mark.value = newMark();
  }, true);

  function newMark() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  // Any other form on this page the action was sent from (the next meeting agreed, a show of
  // hands, a goal's review...): it shows what was sent, and says it is waiting.
  function keptInForm(path, fields) {
    Array.prototype.forEach.call(document.querySelectorAll("form[action]"), function (form) {
      if (form.id === "notes" || new URL(form.getAttribute("action"), location.href).pathname !== path) {
        return;
      }
      var same = Array.prototype.every.call(form.querySelectorAll("input[type=hidden]"), function (h) {
        return h.name === "csrf_token" || !h.name || fields.get(h.name) === h.value;
      });
      if (!same) {
        return;
      }
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.tagName === "BUTTON") {
          return;
        }
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = fields.getAll(el.name).indexOf(el.value) !== -1;
        } else if (fields.has(el.name)) {
          el.value = fields.get(el.name);
        }
      });
      if (!form.querySelector(".waiting-note")) {
        var note = document.createElement("p");
        note.className = "waiting-note";
        note.textContent = "Saved on this phone: it is sent when the signal returns.";
        form.appendChild(note);
      }
    });
  }

  // Each waiting action shown where it belongs on this page.
  function showInPlace(list) {
    // This meeting's actions ("/meetings/7/…").
    var meeting = run.replace(/run$/, "");
    var here = 0;
    list.forEach(function (a) {
      var path = new URL(a.url).pathname;
      if (!meeting || path.indexOf(meeting) !== 0) {
        // Sent from this page to the group (a topic agreed, votes): shown in its form.
        if (new URL(a.from).pathname === location.pathname) {
          keptInForm(path, new URLSearchParams(a.body));
        }
        return;
      }
      var at = path.match(/\/attendance\/(\d+)$/);
      if (at) {
        here += field(a, "at-" + at[1] + ".present") === "true" ? 1 : -1;
        var li = document.getElementById("member-" + at[1]);
        var button = li && li.querySelector("button");
        var present = field(a, "at-" + at[1] + ".present");
        if (button && present !== null) {
          var name = button.querySelector(".signin-name");
          var text = name ? name.textContent.replace(/^Sign /, "").replace(/ in$/, "") : "";
          var signedIn = present === "true";
          button.classList.toggle("is-in", signedIn);
          button.value = signedIn ? "false" : "true";
          // An undo from here undoes this phone's own sign-in (and those the page showed).
          var undo = li.querySelector("input[name='at-" + at[1] + ".undo']");
          if (!undo) {
            undo = document.createElement("input");
            undo.type = "hidden";
            undo.name = "at-" + at[1] + ".undo";
            li.insertBefore(undo, li.firstChild);
          }
          var mark = field(a, "at-" + at[1] + ".mark");
          undo.value = signedIn ? ((undo.value + " " + (mark || "")).trim()) : "";
          button.textContent = "";
          nameAndState(button, text, (signedIn ? "Signed in" : "Not signed in") + " · waiting to be sent");
        }
        return;
      }
      if (/\/guests\/\d+\/remove$/.test(path)) {
        here -= 1;
      }
      if (/\/walk-in$/.test(path)) {
        here += 1;
        var list = document.querySelector(".signin-list");
        var who = field(a, "walkin.name") || "";
        if (list && who) {
          var item = document.createElement("li");
          var span = document.createElement("span");
          span.className = "signin-button is-in is-waiting";
          nameAndState(span, who, (field(a, "walkin.kind") === "guest" ? "Guest, signed in" : "Signed in") + " · waiting to be sent");
          item.appendChild(span);
          list.appendChild(item);
        }
        return;
      }
      var notes = document.getElementById("notes");
      var position = notes && notes.elements.position ? notes.elements.position.value : null;
      var fields = new URLSearchParams(a.body);
      if (notes && position !== null && fields.get("position") === position) {
        // What this step's form held when the action was kept (notes typed, prompts ticked,
        // the round-up): the boxes show it.
        Array.prototype.forEach.call(notes.elements, function (el) {
          if (!el.name || !fields.has(el.name) && !(el.type === "checkbox" && fields.has("checklist"))) {
            return;
          }
          if (el.type === "checkbox") {
            el.checked = fields.getAll(el.name).indexOf(el.value) !== -1;
            el.defaultChecked = el.checked;
          } else if (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text")) {
            el.value = fields.get(el.name);
            el.defaultValue = el.value;
            // The next save is made from this text, which the server will have by then.
            var was = notes.elements[el.name + "~was"];
            if (was) { was.value = el.value; }
          }
        });
      }
      if (/\/run\/step$/.test(path) && fields.get("step") === root.getAttribute("data-offline-step")) {
        // Moved to this step with no signal: its clock counts from the move.
        var clock = document.querySelector(".clocks [data-clock-since]");
        if (clock) { clock.setAttribute("data-clock-since", String(Math.floor(a.at / 1000))); }
      }
      if (/\/end$/.test(path) && fields.get("confirm") === "yes" && statusEl) {
        ended = true;
      }
      keptInForm(path, fields);
    });
    // The run-sheet's "Sign in (5 here)": as kept, with what is waiting.
    var runCount = document.querySelector(".run-signin .count");
    var shown = runCount && runCount.textContent.match(/\d+/);
    if (shown && here !== 0) {
      runCount.textContent = "(" + Math.max(0, Number(shown[0]) + here) + " here)";
    }
    var count = document.querySelector("[data-signed-in-count]");
    if (count) {
      var n = document.querySelectorAll(".signin-list .is-in").length;
      count.textContent = String(n);
    }
  }

  function show() {
    return mine().then(function (list) {
      if (!statusEl) {
        return list;
      }
      statusEl.hidden = false;
      var n = list.length;
      if (n > 0) {
        statusEl.textContent = "Saved on this phone — " + n + (n === 1 ? " change" : " changes") +
          " waiting. " + (ended ? "The meeting is ended when the signal returns. " : "") +
          (problem || (n === 1 ? "It is" : "They are") + " sent when the signal returns.");
      } else {
        statusEl.textContent = "Everything is saved (" + timeLabel(new Date()) + ")." +
          (ready ? " Ready to use without signal." : "") + (problem ? " " + problem : "");
      }
      root.classList.toggle("has-waiting", n > 0);
      // For the sign-out button, which asks first while any wait (see below).
      if (window.localStorage) {
        if (n > 0) {
          localStorage.setItem("hearth:offline-waiting", String(n));
        } else {
          localStorage.removeItem("hearth:offline-waiting");
        }
      }
      return list;
    });
  }

  function ask(message) {
    if (navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage(message);
    }
  }

  navigator.serviceWorker.addEventListener("message", function (e) {
    var data = e.data || {};
    if (data.type === "ready") {
      ready = !!data.ready;
      if (statusEl) {
        // What could not be kept (not shown), for whoever looks into a problem.
        statusEl.setAttribute("data-missing", (data.missing || []).join(", "));
      }
    } else if (data.type === "sent") {
      problem = data.stop === "signin"
        ? "Sign in again to send them."
        : (data.refused ? "One change was not accepted when it was sent: please check this page." : "");
    }
    show().then(function (list) {
      // The phone's copy, and everything is sent: the page as the server has it now.
      if (data.type === "sent" && kept && list.length === 0 && !data.stop && !typing()) {
        location.replace(run && location.pathname === run ? run : location.pathname);
      }
    });
  });

  function typing() {
    return Array.prototype.some.call(document.querySelectorAll("textarea, input[type=text]"), function (el) {
      return el.value !== el.defaultValue;
    });
  }

  // Keeping members' needs on the phone is the facilitator's choice (off unless chosen).
  var choice = document.querySelector("[data-offline-choice]");
  var needsBox = document.getElementById("offline-needs");
  function keepNeeds() {
    return !!window.localStorage && localStorage.getItem("hearth:offline-needs") === "yes";
  }
  var privatePages = (root.getAttribute("data-offline-private") || "").split(" ").filter(Boolean);
  var registration = null;
  function hello(again) {
    var worker = navigator.serviceWorker.controller || (registration && registration.active);
    if (!worker) {
      return;
    }
    var step = root.getAttribute("data-offline-step");
    worker.postMessage({
      type: "hello",
      account: account,
      csrf: csrf ? csrf.value : "",
      run: run,
      step: step !== null && run && location.pathname === run && !kept ? Number(step) : null,
      version: root.getAttribute("data-version") || "",
      again: !!again,
      keep: root.getAttribute("data-offline-keep").split(" ").filter(Boolean).map(function (u) {
        return /[?&]step=/.test(u) && !keepNeeds() ? u + "&needs=hide" : u;
      }).concat(keepNeeds() ? privatePages : []),
      // Pages with members' needs (the meeting's page): kept only by choice, gone otherwise.
      drop: keepNeeds() ? [] : privatePages
    });
  }

  navigator.serviceWorker.register("/sw.js").then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (reg) {
    // The first time, the worker is active before it looks after this page: it is told
    // through its registration.
    registration = reg;
    hello(false);
    if (choice && needsBox) {
      choice.hidden = false;
      needsBox.checked = keepNeeds();
      needsBox.addEventListener("change", function () {
        if (window.localStorage) {
          if (needsBox.checked) {
            localStorage.setItem("hearth:offline-needs", "yes");
          } else {
            localStorage.removeItem("hearth:offline-needs");
          }
        }
        // Ready again once the phone has kept (or let go of) what was chosen.
        ready = false;
        show();
        hello(true);
      });
    }
  }, function () { /* no service worker here: the page works as ever, online */ });

  window.addEventListener("online", function () { ask({ type: "send" }); });
  setInterval(function () {
    mine().then(function (list) {
      if (list.length > 0) {
        ask({ type: "send" });
      }
    });
  }, 10000);
  show().then(showInPlace).then(show);
})();
