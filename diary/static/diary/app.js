/* Small progressive enhancements; every page works without them.
   - [data-show-when="name=value" | "name>number"]: show a part of a form only when the
     condition holds; hidden inputs are disabled so they are not sent.
   - The error summary takes the focus after a failed submit; otherwise the element
     marked [data-autofocus] (itself when it has a tabindex, else its first input) does.
   - input[data-umol-target]: shows creatinine in µmol/L as it is typed. */
(function () {
  "use strict";

  function valueOf(form, name) {
    var el = form.elements[name];
    if (!el) return "";
    if (el.disabled) return "";
    return el.value || "";
  }

  function holds(form, condition) {
    var m = /^([\w-]+)(=|>)(.*)$/.exec(condition);
    if (!m) return true;
    var value = valueOf(form, m[1]);
    if (m[2] === "=") return value === m[3];
    var n = parseFloat(value);
    return !isNaN(n) && n > parseFloat(m[3]);
  }

  function update(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (part) {
      var outer = part.parentElement && part.parentElement.closest("[data-show-when]");
      var show = !(outer && outer.hidden) &&
        part.getAttribute("data-show-when").split("&").every(function (c) { return holds(form, c); });
      part.hidden = !show;
      part.querySelectorAll("input, select, textarea").forEach(function (input) {
        if (input.dataset.fixed !== "1") input.disabled = !show;
      });
    });
  }

  function conditional(form) {
    form.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.disabled) input.dataset.fixed = "1";
    });
    update(form);
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
  }

  function creatinine(input) {
    var out = document.getElementById(input.dataset.umolTarget);
    if (!out) return;
    function show() {
      var v = parseFloat(input.value);
      out.textContent = isNaN(v) ? "" : "= " + Math.round(v * 88.4) + " µmol/L";
    }
    input.addEventListener("input", show);
    show();
  }

  function focusFirst() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); return; }
    var target = document.querySelector("[data-autofocus]");
    if (!target) return;
    var input = target.matches("a, button, input, select, textarea, [tabindex]")
      ? target : target.querySelector("input:not([disabled]), select, textarea, button");
    if (input) input.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-show-when]")) conditional(form);
    });
    document.querySelectorAll("input[data-umol-target]").forEach(creatinine);
    focusFirst();
  });
})();
