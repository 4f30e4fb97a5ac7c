package unbounded_map_cache

import "testing"

func TestFixture(t *testing.T) {
	if _, ok := fixtures["a"]; !ok {
		fixtures["a"] = "b"
	}
	if fixture("a") != "b" {
		t.Fatal("no fixture")
	}
}
