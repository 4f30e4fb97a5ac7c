module goroscope.test/patterns

go 1.21
