// placeholder header; replaced by the faiss shim.
#pragma once
