// notify-rx.mjs PORT N - a webhook receiver for bench/monitors.sh: answers
// every POST with 204 at once (keep-alive), counts them, and when N have
// arrived prints "RX n=N first_ms=... last_ms=... distinct=D" (D: distinct
// webhook-ids) and exits. Prints "READY" once it listens.
import http from 'node:http';

const port = Number(process.argv[2]);
const want = Number(process.argv[3]);
let n = 0, first = 0, last = 0;
const ids = new Set();
const server = http.createServer((req, res) => {
	req.on('data', () => {});
	req.on('end', () => {
		res.writeHead(204);
		res.end();
		const id = req.headers['webhook-id'];
		if (id)
			ids.add(id);
		if (n++ === 0)
			first = Date.now();
		last = Date.now();
		if (want && ids.size >= want) {
			console.log(`RX n=${n} first_ms=${first} last_ms=${last} distinct=${ids.size}`);
			process.exit(0);
		}
	});
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.log('READY'));
