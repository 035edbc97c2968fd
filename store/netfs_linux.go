package store

import "golang.org/x/sys/unix"

// networkFS reports whether dir sits on a network file system, where
// SQLite's WAL (which needs shared memory between processes) is unsafe.
func networkFS(dir string) (string, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "", false
	}
	switch uint32(st.Type) {
	case 0x6969:
		return "nfs", true
	case 0xFF534D42:
		return "cifs", true
	case 0xFE534D42:
		return "smb2", true
	case 0x517B:
		return "smb", true
	case 0x65735546:
		return "fuse", false // sshfs and friends are FUSE, but so are local overlays; allow
	case 0x564c:
		return "ncp", true
	case 0x6B414653:
		return "afs", true
	case 0x47504653:
		return "gpfs", true
	case 0x0BD00BD0:
		return "lustre", true
	case 0x00C36400:
		return "ceph", true
	}
	return "", false
}
