// Where Bootstrap Italia finds its fonts; read from the tag's data attribute, so that the page
// needs no inline script under the Content-Security-Policy.
window.__PUBLIC_PATH__ = document.currentScript.getAttribute("data-fonts");
