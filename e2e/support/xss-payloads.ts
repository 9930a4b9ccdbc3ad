/**
 * 100 message bodies that would run script or inject markup if the app ever treated message
 * text as HTML (or a URL as a trusted link). Each one, if it ran, sets window.__pwned or opens a
 * dialog; the test checks neither happens and every body comes back as the exact text sent.
 */
const actions = ['alert(1)', 'window.__pwned=1', 'confirm(document.cookie)', "prompt('x')"];

const templates: ((js: string) => string)[] = [
  (js) => `<script>${js}</script>`,
  (js) => `<img src=x onerror="${js}">`,
  (js) => `<svg onload=${js}>`,
  (js) => `<svg><script>${js}</script></svg>`,
  (js) => `<iframe src="javascript:${js}"></iframe>`,
  (js) => `<a href="javascript:${js}">click</a>`,
  (js) => `javascript:${js}`,
  (js) => `"><script>${js}</script>`,
  (js) => `'><img src=x onerror=${js}>`,
  (js) => `<body onload=${js}>`,
  (js) => `<details open ontoggle=${js}>`,
  (js) => `<input autofocus onfocus=${js}>`,
  (js) => `<video><source onerror="${js}"></video>`,
  (js) => `<math><mtext><table><mglyph><style><img src=x onerror=${js}>`,
  (js) => `<object data="javascript:${js}"></object>`,
  (js) => `<embed src="data:text/html,<script>${js}</script>">`,
  (js) => `<form><button formaction="javascript:${js}">x</button></form>`,
  (js) => `<div style="background:url(javascript:${js})">x</div>`,
  (js) => `{{constructor.constructor('${js}')()}}`,
  (js) => `\${${js}}`,
  (js) => `<scr<script>ipt>${js}</scr</script>ipt>`,
  (js) => `http://example.com/"><script>${js}</script>`,
  (js) => `https://example.com/?q=<img src=x onerror=${js}>`,
  (js) => `<meta http-equiv="refresh" content="0;url=javascript:${js}">`,
  (js) => `&lt;script&gt;${js}&lt;/script&gt; <!-- ${js} --> <![CDATA[${js}]]>`,
];

export const XSS_PAYLOADS: string[] = templates.flatMap((template) => actions.map((js) => template(js)));

/**
 * 100 more that reach the page through the Markdown subset (issue 14): links with script URLs,
 * markup inside bold, italic, code, quotes and lists, and nesting. Markdown must only ever make
 * elements of its own (strong, em, code, pre, blockquote, lists, http(s) links) around text.
 */
const markdownTemplates: ((js: string) => string)[] = [
  (js) => `[click](javascript:${js})`,
  (js) => `[click](https://x.example/"onmouseover="${js})`,
  (js) => `**<img src=x onerror=${js}>**`,
  (js) => `*<svg onload=${js}>*`,
  (js) => `_<script>${js}</script>_`,
  (js) => `\`<script>${js}</script>\``,
  (js) => `\`\`\`\n<script>${js}</script>\n\`\`\``,
  (js) => `> <img src=x onerror=${js}>`,
  (js) => `- <iframe src="javascript:${js}">\n- two`,
  (js) => `1. <details open ontoggle=${js}>`,
  (js) => `[**<img src=x onerror=${js}>**](https://example.com)`,
  (js) => `[x](data:text/html,<script>${js}</script>)`,
  (js) => `[x](vbscript:${js})`,
  (js) => `@<img src=x onerror=${js}>`,
  (js) => `**[a](javascript:${js})**`,
  (js) => `<a href="https://example.com">**${js}**</a>`,
  (js) => `[\`x\`](javascript:${js})`,
  (js) => `> [x](javascript:${js})`,
  (js) => `https://example.com/**<img src=x onerror=${js}>**`,
  (js) => `[x](https://example.com)<img src=x onerror=${js}>`,
  (js) => `_*<svg onload=${js}>*_`,
  (js) => `\`\`\`<script>${js}</script>\`\`\``,
  (js) => `***<script>${js}</script>***`,
  (js) => `[<script>${js}</script>](https://example.com)`,
  (js) => `- [x](javascript:${js})\n> \`<svg onload=${js}>\``,
];

export const MARKDOWN_XSS_PAYLOADS: string[] = markdownTemplates.flatMap((template) =>
  actions.map((js) => template(js)),
);
