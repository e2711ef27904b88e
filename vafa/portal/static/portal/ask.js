// Ask for help: the product list shows only when "a product I do not see here" is chosen.
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  if (!form) {
    return;
  }
  var row = document.getElementById("ask-product-row");
  function update() {
    var chosen = form.querySelector("input[name=about]:checked");
    if (row) {
      row.hidden = !chosen || chosen.value !== "product";
    }
  }
  form.addEventListener("change", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.name === "about") {
      update();
    }
  });
  update();
})();
