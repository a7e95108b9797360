// The fleet face over TLS with client certificates: the web server (from
// etc/lighttpd-tls.conf.in or etc/apache2-tls.conf.in) verifies the
// certificate against two trusted CAs, the programs read the certificate's
// issuer and subject and look the pair up: the same subject from the other
// CA is someone else.
import assert from 'node:assert/strict';
import { apiSuite } from '../lib/server.mjs';
import { assertSchema, assertXError } from '../lib/schema.mjs';

const B2B = '/connectedcar/v3';

apiSuite('fleet-tls', { tls: true }, (srv, it) => {
	it('a certificate that is not registered: 401', async () => {
		const r = await srv.tlsGet(`${B2B}/fleets?client_id=console`, { client: srv.pki.client });
		await assertXError(r, 401, { code: 40106,
			message: /not registered \(issuer CN=cvapi test CA, subject CN=manager,O=Fleet,C=FR\)/ });
	});

	it('registered with cvctl cert add, it authenticates its fleet manager', async () => {
		await srv.cvctl(['cert', 'add', srv.pki.clientPem, 'fleet']);
		const r = await srv.tlsGet(`${B2B}/fleets?client_id=console`, { client: srv.pki.client });
		assert.equal(r.status, 200, r.text);
		await assertSchema(r.body, 'Fleets', { doc: 'b2b' });
		assert.deepEqual(r.body._embedded.fleets.map((f) => f.id), ['demo-fleet']);
		// links name the server the client used
		assert.ok(r.body._embedded.fleets[0]._links.self.href.endsWith(`${B2B}/fleets/demo-fleet`));
		const v = srv.vehicles[0];
		const s = await srv.tlsGet(`${B2B}/fleets/demo-fleet/vehicles/${v.id}?client_id=console`, { client: srv.pki.client });
		assert.equal(s.status, 200, s.text);
		assert.equal(s.body.vin, v.vin);
	});

	it('the certificate still needs a client_id', async () => {
		const r = await srv.tlsGet(`${B2B}/fleets`, { client: srv.pki.client });
		await assertXError(r, 401, { code: 40104, message: /client_id is required/ });
	});

	it('the same subject from another trusted CA is someone else: 401', async () => {
		const r = await srv.tlsGet(`${B2B}/fleets?client_id=console`, { client: srv.pki.rogue });
		await assertXError(r, 401, { code: 40106, message: /not registered \(issuer CN=someone else, subject CN=manager,O=Fleet,C=FR\)/ });
		assert.ok(!r.text.includes('demo-fleet'));
	});

	it('without a certificate, HTTP Basic still works over TLS; nothing at all is a 401', async () => {
		const basic = `Basic ${Buffer.from('fleet:fleet').toString('base64')}`;
		const r = await srv.tlsGet(`${B2B}/fleets?client_id=console`, { headers: { authorization: basic } });
		assert.equal(r.status, 200, r.text);
		const n = await srv.tlsGet(`${B2B}/fleets?client_id=console`);
		await assertXError(n, 401, { code: 40101 });
	});

	it('cvctl cert add refuses an unknown user, a file that is not a certificate, a missing file', async () => {
		const a = await srv.cvctlRun(['cert', 'add', srv.pki.clientPem, 'nobody']);
		assert.equal(a.code, 1);
		assert.match(a.stderr, /no user nobody/);
		const b = await srv.cvctlRun(['cert', 'add', srv.pki.clientPem.replace(/\.pem$/, '.key'), 'fleet']);
		assert.equal(b.code, 1);
		assert.match(b.stderr, /is not a PEM certificate/);
		const c = await srv.cvctlRun(['cert', 'add', '/nonexistent.pem', 'fleet']);
		assert.equal(c.code, 1);
		assert.match(c.stderr, /cannot read/);
		const d = await srv.cvctlRun(['cert', 'add', srv.pki.clientPem]);
		assert.equal(d.code, 2);
		// the rogue certificate is still nobody's
		const r = await srv.tlsGet(`${B2B}/fleets?client_id=console`, { client: srv.pki.rogue });
		assert.equal(r.status, 401);
	});
});
