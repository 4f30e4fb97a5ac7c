package leaks

// #include <stdlib.h>
import "C"

import "unsafe"

// decode hands a frame of n bytes, decoded into C memory, to use.
func decode(n int, use func([]byte)) {
	frame := C.malloc(C.size_t(n)) // leaks: never freed; the Go GC does not see C memory
	use(unsafe.Slice((*byte)(frame), n))
}
