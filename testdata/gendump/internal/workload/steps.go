package workload

// The functions below call each other along Walker.path. Each one has its own
// switch, so the line a frame stops at depends on which function comes next,
// as in real code. They are kept out of line so that every step is a frame.

// Step kinds, the elements of a path.
const (
	StepPlain       = iota // plain function
	StepPtr                // method with a pointer receiver
	StepVal                // method with a value receiver
	StepGeneric            // method of a generic type
	StepClosure            // function calling a closure (two frames)
	StepGenericFunc        // generic function
	StepIface              // method called through an interface
	NumSteps
)

const done = 0xff

// Walker is one goroutine's plan: the calls to make, then how to block.
type Walker struct {
	env  *Env
	path []uint8
	kind Kind
	slot int32
	seed uint64
}

// NewWalker returns a walker that follows path and then blocks as kind says.
// slot picks the connection or pipe for the IO kinds.
func NewWalker(e *Env, path []uint8, kind Kind, slot int, seed uint64) *Walker {
	return &Walker{env: e, path: path, kind: kind, slot: int32(slot), seed: seed}
}

func (w *Walker) at(i int) uint8 {
	if i < len(w.path) {
		return w.path[i]
	}
	return done
}

func mix(acc, k uint64) uint64 { return (acc ^ k) * 0x9e3779b97f4a7c15 >> 17 }

// Run walks the path and blocks. It never returns for a blocking kind.
//
//go:noinline
func (w *Walker) Run() uint64 {
	acc := w.seed
	i := -1
	switch w.at(i + 1) {
	case StepPlain:
		return stepPlain(w, i+1, acc)
	case StepPtr:
		return w.stepPtr(i+1, acc)
	case StepVal:
		return cursor{w: w, i: i + 1}.stepVal(acc)
	case StepGeneric:
		return w.env.ints.stepGeneric(w, i+1, acc, int(acc%97))
	case StepClosure:
		return stepClosure(w, i+1, acc)
	case StepGenericFunc:
		return stepFunc(w, i+1, acc, w.env.label)
	case StepIface:
		return w.env.handler.Step(w, i+1, acc)
	}
	return w.block(acc)
}

// Start is Run as a plain function, for `go workload.Start(w, n)`.
//
//go:noinline
func Start(w *Walker, n int) {
	w.seed += uint64(n)
	w.Run()
}

//go:noinline
func stepPlain(w *Walker, i int, acc uint64) uint64 {
	acc = mix(acc, 1)
	switch w.at(i + 1) {
	case StepPlain:
		return stepPlain(w, i+1, acc)
	case StepPtr:
		return w.stepPtr(i+1, acc)
	case StepVal:
		return cursor{w: w, i: i + 1}.stepVal(acc)
	case StepGeneric:
		return w.env.ints.stepGeneric(w, i+1, acc, int(acc%97))
	case StepClosure:
		return stepClosure(w, i+1, acc)
	case StepGenericFunc:
		return stepFunc(w, i+1, acc, uint32(acc))
	case StepIface:
		return w.env.handler.Step(w, i+1, acc)
	}
	return w.block(acc)
}

//go:noinline
func (w *Walker) stepPtr(i int, acc uint64) uint64 {
	acc = mix(acc, uint64(i))
	switch w.at(i + 1) {
	case StepPlain:
		return stepPlain(w, i+1, acc)
	case StepPtr:
		return w.stepPtr(i+1, acc)
	case StepVal:
		return cursor{w: w, i: i + 1}.stepVal(acc)
	case StepGeneric:
		return w.env.strs.stepGeneric(w, i+1, acc, w.env.label)
	case StepClosure:
		return stepClosure(w, i+1, acc)
	case StepGenericFunc:
		return stepFunc(w, i+1, acc, w.env.label)
	case StepIface:
		return w.env.handler.Step(w, i+1, acc)
	}
	return w.block(acc)
}

type cursor struct {
	w *Walker
	i int
}

//go:noinline
func (c cursor) stepVal(acc uint64) uint64 {
	w, i := c.w, c.i
	acc = mix(acc, 3)
	switch w.at(i + 1) {
	case StepPlain:
		return stepPlain(w, i+1, acc)
	case StepPtr:
		return w.stepPtr(i+1, acc)
	case StepVal:
		return cursor{w: w, i: i + 1}.stepVal(acc)
	case StepGeneric:
		return w.env.ints.stepGeneric(w, i+1, acc, int(acc%97))
	case StepClosure:
		return stepClosure(w, i+1, acc)
	case StepGenericFunc:
		return stepFunc(w, i+1, acc, w.env.label)
	case StepIface:
		return w.env.handler.Step(w, i+1, acc)
	}
	return w.block(acc)
}

//go:noinline
func (p *Pool[T]) stepGeneric(w *Walker, i int, acc uint64, v T) uint64 {
	if len(p.items) < 4 {
		acc = mix(acc, uint64(len(p.name)))
	}
	_ = v
	switch w.at(i + 1) {
	case StepPlain:
		return stepPlain(w, i+1, acc)
	case StepPtr:
		return w.stepPtr(i+1, acc)
	case StepVal:
		return cursor{w: w, i: i + 1}.stepVal(acc)
	case StepGeneric:
		return w.env.strs.stepGeneric(w, i+1, acc, w.env.label)
	case StepClosure:
		return stepClosure(w, i+1, acc)
	case StepGenericFunc:
		return stepFunc(w, i+1, acc, uint32(acc))
	case StepIface:
		return w.env.handler.Step(w, i+1, acc)
	}
	return w.block(acc)
}

//go:noinline
func stepClosure(w *Walker, i int, acc uint64) uint64 {
	visit := func(acc uint64) uint64 {
		switch w.at(i + 1) {
		case StepPlain:
			return stepPlain(w, i+1, acc)
		case StepPtr:
			return w.stepPtr(i+1, acc)
		case StepVal:
			return cursor{w: w, i: i + 1}.stepVal(acc)
		case StepGeneric:
			return w.env.ints.stepGeneric(w, i+1, acc, int(acc%97))
		case StepClosure:
			return stepClosure(w, i+1, acc)
		case StepGenericFunc:
			return stepFunc(w, i+1, acc, w.env.label)
		case StepIface:
			return w.env.handler.Step(w, i+1, acc)
		}
		return w.block(acc)
	}
	return visit(mix(acc, 5))
}

//go:noinline
func stepFunc[K comparable](w *Walker, i int, acc uint64, key K) uint64 {
	var zero K
	if key != zero {
		acc = mix(acc, 6)
	}
	switch w.at(i + 1) {
	case StepPlain:
		return stepPlain(w, i+1, acc)
	case StepPtr:
		return w.stepPtr(i+1, acc)
	case StepVal:
		return cursor{w: w, i: i + 1}.stepVal(acc)
	case StepGeneric:
		return w.env.strs.stepGeneric(w, i+1, acc, w.env.label)
	case StepClosure:
		return stepClosure(w, i+1, acc)
	case StepGenericFunc:
		return stepFunc(w, i+1, acc, uint32(acc))
	case StepIface:
		return w.env.handler.Step(w, i+1, acc)
	}
	return w.block(acc)
}

//go:noinline
func (r *ring) Step(w *Walker, i int, acc uint64) uint64 {
	acc = mix(acc, uint64(r.size))
	switch w.at(i + 1) {
	case StepPlain:
		return stepPlain(w, i+1, acc)
	case StepPtr:
		return w.stepPtr(i+1, acc)
	case StepVal:
		return cursor{w: w, i: i + 1}.stepVal(acc)
	case StepGeneric:
		return w.env.ints.stepGeneric(w, i+1, acc, int(acc%97))
	case StepClosure:
		return stepClosure(w, i+1, acc)
	case StepGenericFunc:
		return stepFunc(w, i+1, acc, w.env.label)
	case StepIface:
		return w.env.handler.Step(w, i+1, acc)
	}
	return w.block(acc)
}
