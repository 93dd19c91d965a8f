/* The mediation studio's forms, enhanced; each works without this file (then every field shows, with a hint
   saying when it counts, and the server ignores what does not).
   - a building list narrowed as its name is typed ("3幢");
   - the intake: a party's home fields only when the party does not live at the place of the dispute (ticked by
     default in a neighbour dispute, untouched boxes follow the category); the grid only for a place outside
     the buildings; the applicant's mobile number marked required, whichever row is the applicant;
   - fields shown by another one: [data-shown-by=name] with data-shown-when="checked" / "unchecked" or
     data-shown-value="value" (a closed session's reason, an oral agreement's note). */
(function () {
  "use strict";

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  // Full-width digits and letters of a Chinese keyboard match the ASCII ones; case and spaces do not count.
  function normalise(text) {
    return (text || "")
      .replace(/[\uff01-\uff5e]/g, function (ch) {
        return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
      })
      .replace(/\s+/g, "")
      .toLowerCase();
  }

  // --- a select narrowed by a search box ------------------------------------------------------
  function filterable(select, label, placeholder) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "pick-filter";
    box.setAttribute("aria-label", label);
    box.setAttribute("aria-controls", select.id);
    box.placeholder = placeholder;
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var query = normalise(box.value);
      var matches = [];
      each(select.options, function (option) {
        var shown = !query || option.value === "0" || option.value === "" || normalise(option.text).indexOf(query) !== -1;
        option.hidden = !shown;
        option.disabled = !shown;
        if (shown && query && option.value !== "0" && option.value !== "") matches.push(option);
      });
      // one building named like that (or named exactly so): chosen at once
      var exact = matches.filter(function (option) {
        return normalise(option.text.split(" · ")[0]) === query;
      });
      var pick = matches.length === 1 ? matches[0] : exact.length === 1 ? exact[0] : null;
      if (pick && select.value !== pick.value) {
        select.value = pick.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function setShown(element, shown) {
    element.hidden = !shown;
  }

  // --- the intake -------------------------------------------------------------------------------
  function intake(form) {
    var neighbour = form.getAttribute("data-neighbour");
    var category = form.querySelector("select[name=category]");
    var building = form.querySelector("select[name=building_id]");
    var grid = form.querySelector(".place-grid");

    function party(fieldset) {
      var box = fieldset.querySelector(".at-place input[type=checkbox]");
      var home = fieldset.querySelector("[data-home]");
      var role = fieldset.querySelector(".party-role select");
      var phone = fieldset.querySelector(".party-phone input");
      var phoneLabel = fieldset.querySelector(".party-phone label");
      function showHome() {
        if (box && home) setShown(home, !box.checked);
      }
      if (box) {
        box.addEventListener("change", function () {
          box.setAttribute("data-touched", "1");
          showHome();
        });
        showHome();
      }
      function markPhone() {
        if (!role || !phone || !phoneLabel) return;
        var needed = role.value === form.getAttribute("data-applicant");
        var mark = phoneLabel.querySelector(".req");
        if (needed && !mark) {
          mark = document.createElement("span");
          mark.className = "req";
          mark.setAttribute("aria-hidden", "true");
          mark.textContent = "*";
          phoneLabel.appendChild(document.createTextNode(" "));
          phoneLabel.appendChild(mark);
        } else if (!needed && mark) {
          mark.remove();
        }
        phone.required = needed;
      }
      if (role) role.addEventListener("change", markPhone);
      markPhone();
    }
    each(form.querySelectorAll("[data-party]"), party);

    if (category && neighbour) {
      category.addEventListener("change", function () {
        each(form.querySelectorAll(".at-place input[type=checkbox]:not([data-touched])"), function (box, index) {
          // the first two parties (applicant and respondent) live at the place of a neighbour dispute
          var fieldset = box.closest("[data-party]");
          var first = Array.prototype.indexOf.call(form.querySelectorAll("[data-party]"), fieldset) < 2;
          box.checked = first && category.value === neighbour;
          box.dispatchEvent(new Event("change"));
          box.removeAttribute("data-touched");
        });
      });
    }
    if (building && grid) {
      var showGrid = function () {
        setShown(grid, !building.value || building.value === "0");
      };
      building.addEventListener("change", showGrid);
      showGrid();
    }
  }

  // --- fields shown by another field ---------------------------------------------------------------
  function shownBy(element) {
    var form = element.closest("form");
    var name = element.getAttribute("data-shown-by");
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    var when = element.getAttribute("data-shown-when");
    var value = element.getAttribute("data-shown-value");
    function update() {
      var shown = false;
      each(inputs, function (input) {
        if (input.type === "checkbox") shown = when === "unchecked" ? !input.checked : input.checked;
        else if (input.type === "radio") shown = shown || (input.checked && input.value === value);
        else shown = input.value === value;
      });
      setShown(element, shown);
    }
    each(inputs, function (input) {
      input.addEventListener("change", update);
    });
    update();
  }

  function start() {
    each(document.querySelectorAll("form[data-pick-label]"), function (form) {
      each(form.querySelectorAll(".building-pick select"), function (select) {
        filterable(select, form.getAttribute("data-pick-label"), form.getAttribute("data-pick-placeholder"));
      });
    });
    each(document.querySelectorAll("form[data-intake]"), intake);
    each(document.querySelectorAll("[data-shown-by]"), shownBy);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
