// Turning the server's (already escaped) HTML into elements, with times shown in the reader's time zone.

/** An element from one message's or modal's HTML, its <time data-ts> shown as local time. */
export function fromHtml(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  const el = template.content.firstElementChild;
  for (const time of el.querySelectorAll('time[data-ts]')) {
    const date = new Date(Number(time.dataset.ts.split('.')[0]) * 1000);
    time.textContent = date.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    time.title = date.toLocaleString();
  }
  return el;
}
