/* The grid worker's report page, better with JavaScript (the page works without this file):
   - each photo is reduced on the phone (long side at most data-max-side px, re-encoded as JPEG, which drops
     the phone's EXIF and GPS data) before it is sent; the server checks and re-encodes it again;
   - the browser's position, when the worker allows it, fills the latitude and longitude;
   - nothing is lost on a bad network: a report that cannot be sent now (offline, or sending failed) is kept on
     the phone (IndexedDB, with its photos) and listed as waiting, and sent by itself when the connection
     returns or a page with the list opens. Each report keeps the one-time key it was made with, so however
     often it is sent it is saved once (app.core.submissions);
   - a service worker (grid.service_worker) keeps the report page so that it opens offline.
   Texts come translated from the page (data-msg-* attributes). */
(function () {
  "use strict";

  var DB_NAME = "linli-grid";
  var STORE = "reports";
  var TIMEOUT = 60000;  // ms for a report to be sent
  var outbox = document.getElementById("outbox");
  if (!outbox || !window.fetch || !window.indexedDB || !window.Promise) {
    return;
  }
  var form = document.getElementById("report-form");
  var user = outbox.getAttribute("data-user");
  var reportUrl = outbox.getAttribute("data-report-url");
  var photos = [];  // the photos of the report being made: {blob, name}
  var preparing = Promise.resolve();
  var flushing = false;
  var sendingNow = false;

  function text(element, name, values) {
    var message = element.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      message = message.replace("{" + key + "}", values[key]);
    });
    return message;
  }

  function show(element, message, role) {
    if (!element) return;
    element.textContent = message || "";
    element.hidden = !message;
    if (role) element.setAttribute("role", role);
  }

  function newKey() {
    var bytes = new Uint8Array(24);
    window.crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // --- the reports kept on the phone --------------------------------------------------------------

  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, {keyPath: "key"});
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }

  function keep(item) { return store("readwrite", function (s) { s.put(item); }); }
  function drop(key) { return store("readwrite", function (s) { s.delete(key); }); }

  function waiting() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.user === user; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }

  function render() {
    return waiting().then(function (items) {
      var list = document.getElementById("outbox-list");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "outbox-item" + (item.error ? " outbox-refused" : "");
        li.setAttribute("data-key", item.key);
        var title = document.createElement("strong");
        title.textContent = item.title;
        li.appendChild(title);
        var detail = document.createElement("span");
        detail.textContent = item.summary + (item.photos.length ? " · " + text(outbox, "photos", {count: item.photos.length}) : "");
        li.appendChild(detail);
        var state = document.createElement("span");
        state.className = "outbox-state";
        state.textContent = item.error ? text(outbox, "refused", {reason: item.error}) : text(outbox, "waiting");
        li.appendChild(state);
        if (item.error && form) {
          var fix = document.createElement("button");
          fix.type = "button";
          fix.className = "button secondary";
          fix.textContent = text(outbox, "correct");
          fix.addEventListener("click", function () { restore(item); });
          li.appendChild(fix);
        }
        list.appendChild(li);
      });
      document.getElementById("outbox-count").textContent = items.length ? "(" + items.length + ")" : "";
      outbox.hidden = !items.length;
      return items;
    });
  }

  // --- sending -----------------------------------------------------------------------------------

  function body(item, csrf) {
    var data = new FormData();
    data.append("csrf_token", csrf);
    data.append("submission_key", item.key);
    item.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    item.photos.forEach(function (photo) { data.append("photos", photo.blob, photo.name); });
    return data;
  }

  // The answer to a report sent: {sent: url, messages} | {refused: [reasons], html} | {login: true} |
  // {token: true} (the CSRF token had expired). A network failure rejects.
  function post(item, csrf, sender) {
    // a signal that looks alive but carries nothing (a stairwell) must not hold the worker forever: after
    // TIMEOUT the report is kept for later (should it have arrived after all, its key keeps it single)
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && window.setTimeout(function () { controller.abort(); }, TIMEOUT);
    return fetch(reportUrl, {
      method: "POST",
      body: body(item, csrf),
      credentials: "same-origin",
      headers: {"Accept": "application/json, text/html;q=0.5", "X-Report-Sender": sender},
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      window.clearTimeout(timer);
      var type = response.headers.get("Content-Type") || "";
      if (response.ok && type.indexOf("json") >= 0) {
        return response.json().then(function (answer) { return {sent: answer.url, messages: answer.messages || []}; });
      }
      if (response.redirected && new URL(response.url).pathname !== reportUrl) {
        return {login: true};
      }
      if (response.status === 400) {
        return {token: true};
      }
      if (response.status === 422) {
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var reasons = Array.prototype.map.call(page.querySelectorAll("main .error, main .flash-error"), function (e) {
            return e.textContent.trim();
          }).filter(Boolean);
          return {refused: reasons, html: page};
        });
      }
      throw new Error("HTTP " + response.status);  // the server is not there (502, 503 ...): try later
    });
  }

  // A fresh CSRF token (and who is logged in) from the report page: a kept report's token may have expired.
  function freshPage() {
    return fetch(reportUrl, {credentials: "same-origin", headers: {"Accept": "text/html"}}).then(function (response) {
      if (response.redirected && new URL(response.url).pathname !== reportUrl) {
        return {login: true};
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var token = page.querySelector("input[name=csrf_token]");
        var box = page.getElementById("outbox");
        return {csrf: token ? token.value : "", user: box ? box.getAttribute("data-user") : null};
      });
    });
  }

  function sendWithToken(item, csrf, sender) {
    return post(item, csrf, sender).then(function (answer) {
      if (!answer.token) return answer;
      return freshPage().then(function (page) {
        if (page.login) return page;
        if (page.user !== user) return {login: true};
        return post(item, page.csrf, sender);
      });
    });
  }

  function news(messages) {
    var box = document.getElementById("outbox-news");
    show(box, messages.join(" "));
  }

  // Send the kept reports, one after the other, each once; stop at the first network failure.
  function flush() {
    if (flushing || sendingNow || navigator.onLine === false) return Promise.resolve();
    flushing = true;
    return waiting().then(function (items) {
      items = items.filter(function (item) { return !item.error; });
      if (!items.length) return null;
      return freshPage().then(function (page) {
        if (page.login || page.user !== user) {
          news([text(outbox, "login")]);
          return null;
        }
        var sent = [];
        return items.reduce(function (chain, item) {
          return chain.then(function (goOn) {
            if (!goOn) return false;
            markSending(item.key);
            return sendWithToken(item, page.csrf, "queue").then(function (answer) {
              if (answer.sent) {
                sent = sent.concat(answer.messages);
                return drop(item.key).then(function () { return true; });
              }
              if (answer.refused) {
                item.error = answer.refused.join(" ");
                return keep(item).then(function () { return true; });
              }
              news([text(outbox, "login")]);
              return false;
            });
          });
        }, Promise.resolve(true)).then(function () {
          if (sent.length) news(sent);
        });
      });
    }).catch(function () {
      // still no network: the reports stay on the phone
    }).then(function () {
      flushing = false;
      return render();
    });
  }

  function markSending(key) {
    var li = document.querySelector('.outbox-item[data-key="' + key + '"] .outbox-state');
    if (li) li.textContent = text(outbox, "sending");
  }

  window.addEventListener("online", flush);

  if (!form) {
    render().then(flush);
    return;
  }

  // --- the report page ---------------------------------------------------------------------------

  var status, keyField;
  var maxSide = parseInt(form.getAttribute("data-max-side"), 10) || 1600;
  var maxPhotos = parseInt(form.getAttribute("data-max-photos"), 10) || 4;

  function field(name) { return form.elements[name]; }

  // Reduce a photo to at most maxSide px on its long side, as JPEG (which also leaves its EXIF behind).
  // What cannot be read as an image is sent as it is, for the server to refuse with its reason.
  function reduce(file) {
    return new Promise(function (resolve) {
      var original = {blob: file, name: file.name};
      if (!/^image\/(jpeg|png|webp|bmp)/.test(file.type)) {
        resolve(original);
        return;
      }
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        var scale = Math.min(1, maxSide / Math.max(image.naturalWidth, image.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          resolve(blob ? {blob: blob, name: file.name.replace(/\.[^.]*$/, "") + ".jpg"} : original);
        }, "image/jpeg", 0.85);
      };
      image.onerror = function () {
        URL.revokeObjectURL(url);
        resolve(original);
      };
      image.src = url;
    });
  }

  function previews() {
    var list = document.getElementById("photo-previews");
    Array.prototype.forEach.call(list.querySelectorAll("img"), function (img) { URL.revokeObjectURL(img.src); });
    list.textContent = "";
    photos.forEach(function (photo, index) {
      var li = document.createElement("li");
      if (/^image\//.test(photo.blob.type)) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(photo.blob);
        img.alt = text(form, "photo", {number: index + 1});
        li.appendChild(img);
      } else {
        li.textContent = photo.name;
      }
      list.appendChild(li);
    });
    list.hidden = !photos.length;
  }

  function photoError(message) {
    var error = document.getElementById("photos-script-error");
    if (!error && message) {
      error = document.createElement("p");
      error.className = "error";
      error.id = "photos-script-error";
      error.setAttribute("role", "alert");
      field("photos").parentNode.appendChild(error);
    }
    show(error, message);
  }

  function choosePhotos(event) {
    var files = Array.prototype.slice.call(event.target.files || []);
    photoError(files.length > maxPhotos ? text(form, "too-many") : "");
    show(status, text(form, "preparing"));
    preparing = Promise.all(files.slice(0, maxPhotos).map(reduce)).then(function (reduced) {
      photos = reduced;
      previews();
      show(status, "");
    });
  }

  // The position: asked of the browser without a question when the worker allowed it before, else on a tap.
  function position() {
    var note = document.getElementById("position-status");
    var button = document.getElementById("locate");
    if (!navigator.geolocation || field("latitude").value || field("longitude").value) return;
    function locate() {
      navigator.geolocation.getCurrentPosition(function (found) {
        field("latitude").value = found.coords.latitude.toFixed(6);
        field("longitude").value = found.coords.longitude.toFixed(6);
        button.hidden = true;
        show(note, text(form, "position", {metres: Math.round(found.coords.accuracy)}));
      }, function () {
        show(note, text(form, "no-position"));
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    }
    function ask() { button.hidden = false; }
    button.onclick = locate;
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({name: "geolocation"}).then(function (permission) {
        if (permission.state === "granted") locate();
        else if (permission.state === "prompt") ask();
      }, ask);
    } else {
      ask();
    }
  }

  function chosenLabel(name) {
    var input = form.querySelector("input[name=" + name + "]:checked");
    if (input && input.labels && input.labels[0]) return input.labels[0].textContent.trim();
    var select = form.querySelector("select[name=" + name + "]");
    return select && select.value && select.value !== "0" ? select.options[select.selectedIndex].text : "";
  }

  function collect() {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.disabled || element.type === "file" || element.type === "submit") return;
      if (element.name === "csrf_token" || element.name === "submission_key") return;
      if ((element.type === "radio" || element.type === "checkbox") && !element.checked) return;
      fields.push([element.name, element.value]);
    });
    var description = field("description").value.trim();
    return {
      key: keyField.value,
      user: user,
      created: Date.now(),
      fields: fields,
      photos: photos.slice(),
      title: [chosenLabel("category_id"), chosenLabel("building_id")].filter(Boolean).join(" · "),
      summary: description.length > 40 ? description.slice(0, 40) + "…" : description,
      error: null
    };
  }

  // What the server would refuse anyway, checked here before a report is kept offline (the server checks
  // it again when it arrives).
  function problems() {
    var found = [];
    if (!chosenLabel("category_id")) found.push(text(form, "category"));
    if (!field("description").value.trim()) found.push(text(form, "required"));
    if (!chosenLabel("building_id")) found.push(text(form, "building"));
    return found;
  }

  function fresh() {
    form.reset();
    photos = [];
    previews();
    photoError("");
    keyField.value = newKey();
    position();  // the next report may be made elsewhere
  }

  function keepForLater(item, message) {
    return keep(item).then(function () {
      fresh();
      show(status, message, "status");
      return render();
    });
  }

  // A kept report the server refused, back in the form to be corrected; sent again with its own key, it
  // replaces the kept one and is saved once.
  function restore(item) {
    fresh();
    item.fields.forEach(function (pair) {
      Array.prototype.forEach.call(form.querySelectorAll("[name=" + pair[0] + "]"), function (element) {
        if (element.type === "radio" || element.type === "checkbox") element.checked = element.value === pair[1];
        else element.value = pair[1];
      });
    });
    photos = item.photos.slice();
    previews();
    keyField.value = item.key;
    show(status, item.error, "alert");
    field("description").focus();
  }

  // The server refused the report: its page comes back with the reasons and what was typed, and takes this
  // one's place; the photos, which a page cannot give back, stay here.
  function showRefusal(page) {
    var main = document.querySelector("main");
    var newMain = page.querySelector("main");
    if (!newMain || !page.getElementById("report-form")) return false;
    Array.prototype.forEach.call(newMain.querySelectorAll("script"), function (s) { s.parentNode.removeChild(s); });
    var key = keyField.value;
    var keepNodes = [outbox, document.getElementById("outbox-news")];
    main.textContent = "";
    Array.prototype.forEach.call(newMain.childNodes, function (node) { main.appendChild(document.importNode(node, true)); });
    keepNodes.forEach(function (node) {
      var copy = node && main.querySelector("#" + node.id);
      if (copy) copy.parentNode.replaceChild(node, copy);
    });
    bind(document.getElementById("report-form"), key);
    var first = form.querySelector("[aria-invalid=true]") || form.querySelector(".has-error input");
    if (first) first.focus();
    return true;
  }

  function submit(event) {
    event.preventDefault();
    if (sendingNow) return;
    var button = form.querySelector("button[type=submit]");
    sendingNow = true;
    button.disabled = true;
    preparing.then(function () {
      var item = collect();
      if (navigator.onLine === false) {
        var found = problems();
        if (found.length) {
          show(status, found.join(" "), "alert");
          return null;
        }
        return keepForLater(item, text(outbox, "saved"));
      }
      show(status, text(outbox, "sending"), "status");
      return sendWithToken(item, form.elements.csrf_token.value, "page").then(function (answer) {
        if (answer.sent) {
          return drop(item.key).then(function () {
            window.location.assign(answer.sent);
            return "leaving";
          });
        }
        if (answer.refused) {
          show(status, "");
          if (!showRefusal(answer.html)) show(status, answer.refused.join(" "), "alert");
          return null;
        }
        return keepForLater(item, text(outbox, "login"));  // logged out meanwhile: kept until the next login
      }, function () {
        return keepForLater(item, text(outbox, "failed"));
      });
    }).catch(function () {
      // the phone would not keep it (no storage left, a private window): the form keeps what was typed
      show(status, text(outbox, "not-kept"), "alert");
    }).then(function (outcome) {
      sendingNow = false;
      var current = form.querySelector("button[type=submit]");
      if (outcome !== "leaving" && current) current.disabled = false;
    });
  }

  function bind(element, key) {
    form = element;
    status = document.getElementById("report-status");
    keyField = form.elements.submission_key;
    keyField.value = key || newKey();  // made on this phone for this report (a page kept offline opens again and again)
    form.addEventListener("submit", submit);
    field("photos").addEventListener("change", choosePhotos);
    position();
    previews();
  }

  bind(form);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.getAttribute("data-sw-url"), {scope: "/"}).catch(function () {});
  }

  render().then(flush);
})();
