// Routing on the link pages, live: questions whose show_if condition (data-show-if, the JSON
// of instruments/conditions.as_json) does not hold are hidden and disabled, so they are neither
// required nor posted. Without this script the server does the same when the form is sent.
// Decided front to back like the server: a hidden question's answer opens no later question.
(function () {
  "use strict";
  var form = document.querySelector("form[data-routing]");
  if (!form) { return; }
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-item]"));
  var shownField = form.querySelector("input[name='shown']");
  var NUMBER = /^\s*(-?\d+)(?:[.,](\d+))?\s*$/;
  var status = document.getElementById("routing-status");
  var shownBefore = null;

  questions.forEach(function (q) {
    q.condition = q.dataset.showIf ? JSON.parse(q.dataset.showIf) : null;
  });

  // The substantive answer of a question: an option code or a number (as a JS number), a
  // text, or null (unanswered, "Ved ikke", or a number that cannot be read).
  function answerOf(q) {
    var name = "item-" + q.dataset.item;
    if (q.dataset.type === "scale") {
      var checked = q.querySelector("input[name='" + name + "']:checked");
      return checked && /^\d+$/.test(checked.value) ? Number(checked.value) : null;
    }
    var box = q.querySelector("[name='" + name + "']");
    var text = box ? box.value : "";
    if (q.dataset.type === "text") { return text.trim() === "" ? null : text; }
    var match = NUMBER.exec(text);
    return match ? Number(match[1] + "." + (match[2] || "0")) : null;
  }

  var COMPARE = {
    "==": function (a, b) { return a === b; },
    "!=": function (a, b) { return a !== b; },
    ">=": function (a, b) { return a >= b; },
    "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; },
    "<": function (a, b) { return a < b; },
  };

  function holds(c, seen) {
    if (c.op === "and") { return c.operands.every(function (o) { return holds(o, seen); }); }
    if (c.op === "or") { return c.operands.some(function (o) { return holds(o, seen); }); }
    if (c.op === "not") { return !holds(c.operand, seen); }
    var value = Object.prototype.hasOwnProperty.call(seen, c.item) ? seen[c.item] : null;
    if (c.op === "answered") { return value !== null; }
    if (c.op === "unanswered") { return value === null; }
    if (typeof value !== "number") { return false; }
    if (c.op === "in") { return c.values.indexOf(value) >= 0; }
    return COMPARE[c.op](value, c.value);
  }

  function update() {
    var seen = {};
    var shown = [];
    questions.forEach(function (q) {
      var visible = !q.condition || holds(q.condition, seen);
      q.hidden = !visible;
      q.disabled = !visible;
      if (visible) {
        shown.push(q.dataset.item);
        var value = answerOf(q);
        if (value !== null) { seen[q.dataset.item] = value; }
      }
    });
    if (shownField) { shownField.value = shown.join(","); }
    // Tell screen reader users that questions appeared or went (not on the first run).
    if (status && shownBefore !== null && shownBefore !== shown.join(",")) {
      var more = shown.some(function (key) { return shownBefore.split(",").indexOf(key) < 0; });
      status.textContent = more ? status.dataset.more : status.dataset.fewer;
    }
    shownBefore = shown.join(",");
    questions.forEach(function (q) {
      var number = q.querySelector(".question-number[data-template]");
      if (number && !q.hidden) {
        number.textContent = number.dataset.template
          .replace("{n}", String(shown.indexOf(q.dataset.item) + 1))
          .replace("{total}", String(shown.length));
      }
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}());
