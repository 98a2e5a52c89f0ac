// placeholder header; replaced by the sentencepiece shim.
#pragma once
