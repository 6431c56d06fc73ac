package policy

import (
	"fmt"
	"io"
	"os"
)

// maxPolicySize bounds a policy file; real ones are a few kilobytes.
const maxPolicySize = 1 << 20

// readRegular reads a regular file of at most limit bytes. Policies and VEX
// paths come from people and from other systems, and a path such as
// /dev/zero or a named pipe would otherwise block or fill memory.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is over the %d byte limit", path, limit)
	}
	return data, nil
}
