/*
 * panic-store.c - a test helper: panic the environment of the store in
 * argv[1] (DB_PANIC_ENVIRONMENT), as a mutex error inside Berkeley DB
 * would, then close this process's handle cleanly. Every process attached
 * then gets DB_RUNRECOVERY at its next store call; t/api/panic.mjs checks
 * that the service recovers by itself. Exit 0 when the panic was set.
 */
#include "config.h"
#include "store.h"

#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct cv_store st;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: panic-store STORE\n");
		return 2;
	}
	/* as the store's owner, as cvctl does (store.h) */
	if (cv_store_owner(argv[1]) != CV_OK || cv_store_open(&st, argv[1], 0) != CV_OK)
		return 1;
	/* DB_RUNRECOVERY: the environment is panicked now, as wanted */
	ret = st.env->set_flags(st.env, DB_PANIC_ENVIRONMENT, 1);
	if (ret == DB_RUNRECOVERY)
		ret = 0;
	if (ret)
		fprintf(stderr, "panic-store: %s\n", db_strerror(ret));
	cv_store_close(&st);
	/* at once: a panicked environment does not free its memory */
	fflush(stderr);
	_exit(ret ? 1 : 0);
}
