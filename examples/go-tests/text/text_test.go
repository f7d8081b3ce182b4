package text

import (
	"strings"
	"testing"
)

func TestUpper(t *testing.T) {
	if strings.ToUpper("kube") != "KUBE" {
		t.Fatal("upper case of kube")
	}
}
