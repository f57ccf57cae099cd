// Reload the page every data-refresh seconds while a background job runs ("Check now").
// A meta refresh would not do: to a URL with a #fragment it is a same-page jump.
(function () {
  var el = document.querySelector("[data-refresh]");
  if (el) {
    setTimeout(function () { window.location.reload(); }, 1000 * Number(el.dataset.refresh || 5));
  }
})();
