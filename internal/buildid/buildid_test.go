package buildid

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestIDNamesTheExecutable(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no executable path on this platform")
	}
	fi, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	id := ID()
	if want := fmt.Sprint(fi.Size(), fi.ModTime().UnixNano()); !strings.HasSuffix(id, want) {
		t.Errorf("ID() = %q, want it to end with the executable's size and modification time %q", id, want)
	}
	if ID() != id {
		t.Error("ID() changed between calls")
	}
}
