module goroscope.test/gendump

go 1.21
