// «Scarica XLSX / CSV» under a table: on submit, the form carries the table's header and rows
// (the text the page shows) to documents:table_download, which returns the file.
(function () {
  if (window.performaTableDownload) { return; }
  window.performaTableDownload = true;
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
    return { caption: table.caption ? table.caption.innerText.trim() : "", header: cells(head), rows: rows };
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-table-download]")) { return; }
    var table = document.getElementById(form.getAttribute("data-table-download"));
    if (!table) { event.preventDefault(); return; }
    form.querySelector("input[name=tabella]").value = JSON.stringify(read(table));
  });
})();
