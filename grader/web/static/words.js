// The page's words for its scripts: base.html gives them in its language (JSON, by the English);
// English pages give none. words("Part %(n)s", {n: 2}) -> "第 2 部分" on a Chinese page.
window.gradeWords = (function () {
  var found = document.getElementById("page-words");
  var table = {};
  try { table = found ? JSON.parse(found.textContent) : {}; } catch (e) { table = {}; }
  return function (english, values) {
    var text = Object.prototype.hasOwnProperty.call(table, english) ? table[english] : english;
    return text.replace(/%\((\w+)\)s/g, function (_, name) {
      return values && name in values ? String(values[name]) : "";
    });
  };
})();
