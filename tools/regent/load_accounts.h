/*
 * load_accounts — the accounts `regent load` registers: from a template
 * (--aor 'sip:user{n}@example.com' --first N --count M, {n} or {n:0W} for
 * a width of W digits, zero-padded), or from a file (--users FILE, one
 * `aor[,auth-user],password` a line), cut into n disjoint slices (--shard
 * i/n) of consecutive accounts.
 */
#ifndef REGENT_LOAD_ACCOUNTS_H
#define REGENT_LOAD_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

struct load_account {
	char aor[256];
	char user[128];	      /* authorization username; "" = the library's default */
	const char *password; /* NULL: none */
};

struct load_accounts {
	/* template mode */
	const char *aor_tmpl;  /* contains {n} */
	const char *user_tmpl; /* --auth-user, may contain {n}; NULL none */
	const char *password;  /* one password for every account */
	uint64_t first;
	/* file mode */
	char *blob;   /* the file, NUL at each line end (malloc) */
	char **lines; /* one per account (malloc) */
	/* both */
	uint64_t total;	 /* accounts before sharding */
	uint64_t lo, hi; /* this shard: [lo, hi) of 0..total */
};

/* Writes tmpl with every {n} / {n:0W} replaced by n. EINVAL for a bad or
 * missing placeholder (required_n) or no room. */
int load_accounts_expand(char *out, size_t size, const char *tmpl, uint64_t n, int required_n);

/* Template mode; EINVAL (with a message in errbuf) for a bad template. */
int load_accounts_template(struct load_accounts *a, const char *aor_tmpl, const char *user_tmpl,
			   const char *password, uint64_t first, uint64_t count, char *errbuf,
			   size_t errsize);
/* File mode; errno with a message naming the file and line in errbuf. */
int load_accounts_file(struct load_accounts *a, const char *path, char *errbuf, size_t errsize);
/* Keep slice i (0-based) of n: accounts [total*i/n, total*(i+1)/n). */
int load_accounts_shard(struct load_accounts *a, uint32_t i, uint32_t n);
uint64_t load_accounts_count(const struct load_accounts *a);
/* The k-th account of this shard (0 <= k < load_accounts_count). */
int load_accounts_get(const struct load_accounts *a, uint64_t k, struct load_account *out);
/* The global number (index before sharding) of the k-th account. */
uint64_t load_accounts_global(const struct load_accounts *a, uint64_t k);
void load_accounts_release(struct load_accounts *a);

#endif /* REGENT_LOAD_ACCOUNTS_H */
