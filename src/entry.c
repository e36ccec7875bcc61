#include "entry.h"

const char *
entry_type_name(enum entry_type type)
{
	/* The words of the README and the manual: "folder", not "dir". */
	switch (type) {
	case ENTRY_REG:
		return "file";
	case ENTRY_DIR:
		return "folder";
	case ENTRY_SYMLINK:
		return "symlink";
	case ENTRY_FIFO:
		return "fifo";
	case ENTRY_CHR:
		return "char device";
	case ENTRY_BLK:
		return "block device";
	case ENTRY_SOCK:
		return "socket";
	}
	return "unknown";
}
