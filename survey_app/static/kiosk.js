// Tablet enhancements; the pages work without them.
// 1. Read a question aloud with the browser's speech synthesis, where available.
// 2. Never lose an answer: a form post is kept in localStorage until the server has confirmed
//    it, and cleared once confirmed, so the next citizen on the tablet finds nothing. When the
//    connection drops it is sent again as soon as it returns. When the server refuses it (4xx,
//    e.g. a stale security token), it is kept, the citizen is told, and "Prøv igen" reloads the
//    page and sends it again with the fresh page's token.
(function () {
  "use strict";
  var QUEUE = "kiosk-pending";

  if ("speechSynthesis" in window) {
    document.querySelectorAll(".read-aloud").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.speechSynthesis.cancel();
        var utterance = new SpeechSynthesisUtterance(button.dataset.text);
        utterance.lang = button.dataset.lang;
        window.speechSynthesis.speak(utterance);
      });
    });
  }

  var status = document.getElementById("connection-status");
  var refused = document.getElementById("send-refused");
  var sending = false;

  function pending() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE)); } catch (e) { return null; }
  }

  function field(name) {
    var input = document.querySelector("form[data-offline-queue] input[name='" + name + "']");
    return input ? input.value : null;
  }

  // A kept post belongs to this page's occasion; it is sent with this page's security token.
  function ready(item) {
    if (!item || field("occasion") !== valueOf(item, "occasion")) { return null; }
    var token = field("csrf_token");
    item.fields = item.fields.map(function (pair) {
      return pair[0] === "csrf_token" && token ? [pair[0], token] : pair;
    });
    return item;
  }

  function valueOf(item, name) {
    var found = item.fields.filter(function (pair) { return pair[0] === name; })[0];
    return found ? found[1] : null;
  }

  function send(afterRefusal) {
    var item = ready(pending());
    if (!item || sending || (item.refused && !afterRefusal)) { return; }
    sending = true;
    fetch(item.action, {
      method: "POST",
      body: new URLSearchParams(item.fields),
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }).then(function (response) {
      sending = false;
      if (response.ok || response.redirected) {
        window.localStorage.removeItem(QUEUE);
        window.location.assign(response.url);
      } else {
        // Refused: keep the answer, say so, and let the citizen try again after a reload.
        item.refused = response.status;
        window.localStorage.setItem(QUEUE, JSON.stringify(item));
        if (status) { status.hidden = true; }
        if (refused) { refused.hidden = false; refused.focus(); }
      }
    }).catch(function () {
      sending = false;
      if (status) { status.hidden = false; }
    });
  }

  document.querySelectorAll("[data-retry]").forEach(function (button) {
    button.addEventListener("click", function () { window.location.reload(); });
  });

  document.querySelectorAll("form[data-offline-queue]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = new FormData(form);
      if (event.submitter && event.submitter.name) {
        fields.append(event.submitter.name, event.submitter.value);
      }
      var entries = [];
      fields.forEach(function (value, key) { entries.push([key, value]); });
      window.localStorage.setItem(QUEUE, JSON.stringify({ action: form.action, fields: entries }));
      send(true);
    });
  });

  if (document.querySelector("[data-answers-confirmed]")) {
    window.localStorage.removeItem(QUEUE);
  }
  window.addEventListener("online", function () { send(false); });
  window.setInterval(function () { send(false); }, 5000);
  send(true);  // on a fresh page, also a post the server refused before
})();
