module goroscope.test/forms

go 1.19
