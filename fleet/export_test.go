package fleet

// SetKubePageSize sets how many pods one list request asks for, until the
// returned func restores it.
func SetKubePageSize(n int64) (restore func()) {
	old := pageSize
	pageSize = n
	return func() { pageSize = old }
}
