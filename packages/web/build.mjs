// Placeholder build until the web app issue brings Vite: copies the static page to dist/.
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync(new URL('./dist/', import.meta.url), { recursive: true });
copyFileSync(new URL('./index.html', import.meta.url), new URL('./dist/index.html', import.meta.url));
