import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { openAdmin } from './admin.js';
import { USAGE, describeFailure, runCommand } from './commands.js';

/** `npm run admin -- <command>`: the same configuration (environment) as the server. */
async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    console.log(USAGE);
    return 2;
  }
  const config = loadConfig();
  const log = createLogger('warn', process.stderr);
  return runCommand(command, args, () => openAdmin(config, log), config, {
    stdin: process.stdin,
    out: (line) => console.log(line),
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = describeFailure(error);
    console.error(known ?? (error instanceof Error ? error.message : String(error)));
    process.exit(known ? 2 : 1);
  },
);
