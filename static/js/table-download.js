// «Scarica XLSX / CSV» for the tables of a page. A form (from the include
// includes/table_download.html, or cloned from includes/table_download_auto.html for every
// table) carries the table's header and rows — the text the page shows — to
// documents:table_download, which answers with the file.
(function () {
  if (window.performaTableDownload) { return; }
  window.performaTableDownload = true;
  var counter = 0;
  function cells(row) {
    return Array.prototype.map.call(row.cells, function (cell) { return cell.innerText.trim(); });
  }
  function read(table) {
    var head = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : table.rows[0];
    var rows = [];
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) { if (row !== head) { rows.push(cells(row)); } });
    });
    if (table.tFoot) { Array.prototype.forEach.call(table.tFoot.rows, function (row) { rows.push(cells(row)); }); }
    return { caption: table.caption ? table.caption.innerText.trim() : "", header: head ? cells(head) : [], rows: rows };
  }
  function slug(text) {
    return (text || "tabella").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "tabella";
  }
  function attach(root) {
    var template = document.getElementById("table-download-template");
    if (!template) { return; }
    (root.querySelectorAll ? root : document).querySelectorAll("main table").forEach(function (table) {
      if (table.hasAttribute("data-no-download") || table.getAttribute("data-download-attached")) { return; }
      if (!table.id) { counter += 1; table.id = "tabella-" + counter; }
      if (document.querySelector('form[data-table-download="' + table.id + '"]')) { return; }
      if (!table.rows.length || table.rows.length < 2) { return; }
      var form = template.content.firstElementChild.cloneNode(true);
      var caption = table.caption ? table.caption.innerText.trim() : "";
      form.setAttribute("data-table-download", table.id);
      form.querySelector("input[name=nome]").value = slug(caption);
      form.querySelectorAll(".visually-hidden").forEach(function (span) { span.textContent = " – " + (caption || "tabella"); });
      var anchor = table.closest(".table-responsive") || table;
      anchor.parentNode.insertBefore(form, anchor.nextSibling);
      table.setAttribute("data-download-attached", "1");
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-table-download]")) { return; }
    var table = document.getElementById(form.getAttribute("data-table-download"));
    if (!table) { event.preventDefault(); return; }
    form.querySelector("input[name=tabella]").value = JSON.stringify(read(table));
  });
  document.addEventListener("DOMContentLoaded", function () { attach(document); });
  document.addEventListener("htmx:afterSettle", function (event) { attach(event.target); });
})();
