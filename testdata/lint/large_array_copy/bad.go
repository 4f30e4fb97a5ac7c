package large_array_copy

const pageSize = 1 << 12

// Block is a 4 KiB array.
type Block [4096]byte

// A value receiver copies 4 KiB per call, and the range copies it again.
func (b Block) Checksum() uint32 { // want GL603
	var sum uint32
	for _, v := range b { // want GL603
		sum += uint32(v)
	}
	return sum
}

// Two parameters in one declaration, and a large result, which is not passed in.
func merge(a, b [256]int64) (out [256]int64) { // want GL603
	for i := range out {
		out[i] = a[i] + b[i]
	}
	return out
}

// A parameter sized by a constant.
func isZero(page [pageSize]byte) bool { // want GL603
	return page == [pageSize]byte{}
}

type table struct {
	slots [512]uint64
	small [16]uint64
}

// Ranging over a field copies the whole field first.
func (t *table) sum() uint64 {
	var total uint64
	for _, v := range t.slots { // want GL603
		total += v
	}
	return total
}

var weights [256]float64

// A package-level array, with both loop variables.
func weighted(values []float64) float64 {
	var total float64
	for i, w := range weights { // want GL603
		if i < len(values) {
			total += w * values[i]
		}
	}
	return total
}

// The loop calls a method of the struct holding the array: the fix is unsafe there.
func (t *table) weightedSum() uint64 {
	var total uint64
	for i, v := range t.slots { // want GL603
		total += v * t.weight(i)
	}
	return total
}

func (t *table) weight(i int) uint64 { return t.small[i%len(t.small)] }
