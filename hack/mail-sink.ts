// A local SMTP server for `make run`: accepts every mail on 127.0.0.1 and writes it to
// .local/mail/<n>-<recipient>.eml, printing one line per mail. Not for production use.
// Usage: node hack/mail-sink.ts <port> <dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

const [portArg, dir] = process.argv.slice(2);
if (!portArg || !dir) {
  console.error('usage: node hack/mail-sink.ts <port> <dir>');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
      const to = session.envelope.rcptTo.map((r) => r.address).join(',');
      count += 1;
      writeFileSync(join(dir, `${String(count).padStart(4, '0')}-${to.replace(/[^a-z0-9@.,-]/gi, '_')}.eml`), raw);
      console.log(`mail to ${to}: ${subject}`);
      callback();
    });
  },
});
server.on('error', (err: NodeJS.ErrnoException) => {
  const why = err.code === 'EADDRINUSE' ? `port ${portArg} is already in use (set APPROVAL_SMTP_SINK_PORT to choose another)` : err.message;
  console.error(`mail sink: ${why}`);
  process.exit(1);
});
server.listen(Number(portArg), '127.0.0.1', () => console.log(`mail sink on smtp://127.0.0.1:${portArg}, mails in ${dir}`));
