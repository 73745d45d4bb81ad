// Progressive enhancement only: every page works without this file. Texts come from the page
// (data-busy-label), in the reader's language; none is written here.
document.addEventListener('htmx:xhr:progress', (event) => {
  const form = event.target.closest && event.target.closest('[data-upload-progress]')
  if (!form || !event.detail.lengthComputable) return
  const bar = form.querySelector('.upload-progress')
  if (!bar) return
  bar.hidden = false
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100)
})
document.addEventListener('htmx:beforeRequest', (event) => {
  const form = event.target.closest && event.target.closest('[data-upload-progress]')
  if (form) form.querySelectorAll('button[type=submit]').forEach((b) => { b.disabled = true; if (b.dataset.busyLabel) b.textContent = b.dataset.busyLabel })
})
