/*
 * Replays files through a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer, so the seed corpus runs as a CTest test in every build (gcc,
 * release and ASan). Arguments are files or directories (one level).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int err = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return errno;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		err = EIO;
		goto out;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}
	if (n && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		err = EIO;
		goto out;
	}
	(void)LLVMFuzzerTestOneInput(buf, (size_t)n);
out:
	if (err)
		fprintf(stderr, "replay: %s: %s\n", path, strerror(err));
	free(buf);
	fclose(f);
	return err;
}

int main(int argc, char **argv)
{
	size_t files = 0;
	int err = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			err |= run_file(argv[i]);
			files++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d)
			return 1;
		while ((de = readdir(d))) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			err |= run_file(path);
			files++;
		}
		closedir(d);
	}
	if (files == 0) {
		fprintf(stderr, "replay: no input files\n");
		return 1;
	}
	printf("replay: %zu inputs, no invariant violated\n", files);
	return err ? 1 : 0;
}
