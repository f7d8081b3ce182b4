package calc

import "testing"

func TestAdd(t *testing.T) {
	for _, c := range []struct {
		name       string
		a, b, want int
	}{{"small", 1, 2, 3}, {"negative", -1, -2, -3}} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a + c.b; got != c.want {
				t.Fatalf("%d + %d = %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
}

func TestDivide(t *testing.T) {
	if 6/3 != 2 {
		t.Fatal("6 / 3 is not 2")
	}
}
