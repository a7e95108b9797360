/*
 * bare-fcgi.c - the limit of cvapi's architecture for small reads: a
 * FastCGI responder that does no work at all (bench/status.sh).
 *
 * At start it loads a body from a file, once; then it answers every request
 * with "Status: 200 OK", the given Content-Type, the Content-Length and
 * that body, from memory, in one write. No parsing, no lookups, no
 * allocation per request: what is left is the web server, the FastCGI
 * round trip and libfcgi. Run it behind the same lighttpd configuration as
 * the cvapi programs (etc/lighttpd.conf.in), under their names, so the
 * comparison is the cvapi request path against nothing.
 *
 * Where the body comes from (first found):
 *   $BARE_BODY, else $CVAPI_HOME/bare-body           the bytes to send
 *   $BARE_CTYPE, else the first line of $CVAPI_HOME/bare-ctype,
 *   else application/hal+json                          the Content-Type
 * (lighttpd's bin-environment passes CVAPI_HOME, so a private @HOME@ folder
 * holding those two files needs no change to the configuration.)
 *
 * A connection ends as cvapi's programs end it (cgi/serve.c): over a UNIX
 * socket, once the request's input has been read to its end, closed at
 * once; otherwise by libfcgi, which shuts its
 * side and waits for the web server to close first.
 * BARE_CLOSE=wait (else the first line of $CVAPI_HOME/bare-close) always
 * lets libfcgi close, as cvapi did before (bench/hop.sh compares the two).
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(p, cap);
			if (!p) {
				fclose(f);
				return NULL;
			}
		}
		got = fread(p + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	p[n] = '\0';
	*len = n;
	return p;
}

int main(void)
{
	const char *home = getenv("CVAPI_HOME");
	const char *bpath = getenv("BARE_BODY");
	const char *ctype = getenv("BARE_CTYPE");
	char pbuf[4096], cbuf[256];
	char *body, *resp;
	size_t blen = 0, hlen, rlen;
	struct sigaction sa;
	FCGX_Request fr;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	const char *how = getenv("BARE_CLOSE");
	char closebuf[64];
	int prompt;

	if (!bpath) {
		snprintf(pbuf, sizeof(pbuf), "%s/bare-body", home ? home : ".");
		bpath = pbuf;
	}
	body = slurp(bpath, &blen);
	if (!body) {
		fprintf(stderr, "bare-fcgi: cannot read %s\n", bpath);
		return 1;
	}
	if (!ctype) {
		char cpath[4096];
		FILE *f;

		snprintf(cpath, sizeof(cpath), "%s/bare-ctype", home ? home : ".");
		ctype = "application/hal+json";
		f = fopen(cpath, "r");
		if (f) {
			if (fgets(cbuf, sizeof(cbuf), f)) {
				cbuf[strcspn(cbuf, "\r\n")] = '\0';
				if (cbuf[0])
					ctype = cbuf;
			}
			fclose(f);
		}
	}
	/* the whole FastCGI stdout payload, built once */
	rlen = blen + 512;
	resp = malloc(rlen);
	if (!resp)
		return 1;
	hlen = (size_t)snprintf(resp, rlen, "Status: 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
				ctype, blen);
	memcpy(resp + hlen, body, blen);
	rlen = hlen + blen;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	FCGX_Init();
	FCGX_InitRequest(&fr, 0, 0);
	if (!how) {
		char cpath[4096];
		FILE *f;

		snprintf(cpath, sizeof(cpath), "%s/bare-close", home ? home : ".");
		f = fopen(cpath, "r");
		if (f) {
			if (fgets(closebuf, sizeof(closebuf), f)) {
				closebuf[strcspn(closebuf, "\r\n")] = '\0';
				how = closebuf;
			}
			fclose(f);
		}
	}
	prompt = !(how && !strcmp(how, "wait")) && getsockname(0, (struct sockaddr *)&ss, &sslen) == 0 &&
		 ss.ss_family == AF_UNIX;
	while (!stop && FCGX_Accept_r(&fr) >= 0) {
		FCGX_PutStr(resp, (int)rlen, fr.out);
		if (prompt && !fr.keepConnection && FCGX_GetChar(fr.in) == EOF && !FCGX_GetError(fr.in))
			FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	free(resp);
	free(body);
	return 0;
}
