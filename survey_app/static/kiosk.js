// Tablet enhancements; the pages work without them.
// 1. Read a question aloud with the browser's speech synthesis, where available.
// 2. Never lose an answer on a shaky connection: a form post is kept in localStorage until
//    the server has confirmed it, sent again when the connection returns, and cleared once
//    confirmed, so the next citizen on the tablet finds nothing.
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
  var sending = false;

  function pending() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE)); } catch (e) { return null; }
  }

  function send() {
    var item = pending();
    if (!item || sending) { return; }
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
        // The server refused it (e.g. the page is stale): keep nothing, show the server's page.
        window.localStorage.removeItem(QUEUE);
        window.location.reload();
      }
    }).catch(function () {
      sending = false;
      if (status) { status.hidden = false; }
    });
  }

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
      send();
    });
  });

  if (document.querySelector("[data-answers-confirmed]")) {
    window.localStorage.removeItem(QUEUE);
  }
  window.addEventListener("online", send);
  window.setInterval(send, 5000);
  send();
})();
