package fixed

// #include <stdlib.h>
import "C"

import "unsafe"

// decode hands a frame of n bytes, decoded into C memory, to use.
func decode(n int, use func([]byte)) {
	frame := C.malloc(C.size_t(n))
	defer C.free(frame) // fixed: C memory is freed by hand, on every path
	use(unsafe.Slice((*byte)(frame), n))
}
