// The OpenAPI 3.1 description of every route (GET /openapi.json), kept beside the routes it describes.
// A test checks that every route the router serves appears here, and that the document is valid JSON.

enum OpenAPIDocument {
    static let json = #"""
{
 "components": {
  "parameters": {
   "id": {
    "description": "document id, percent-encoded",
    "in": "path",
    "name": "id",
    "required": true,
    "schema": {
     "type": "string"
    }
   },
   "name": {
    "description": "collection name (its folder's name)",
    "in": "path",
    "name": "name",
    "required": true,
    "schema": {
     "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$",
     "type": "string"
    }
   }
  },
  "responses": {
   "Error": {
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/Error"
      }
     }
    },
    "description": "An error"
   }
  },
  "schemas": {
   "Collection": {
    "properties": {
     "chunks": {
      "type": "integer"
     },
     "dimension": {
      "type": "integer"
     },
     "documents": {
      "type": "integer"
     },
     "index_type": {
      "type": "string"
     },
     "model": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "shards": {
      "type": "integer"
     },
     "writable": {
      "type": "boolean"
     }
    },
    "type": "object"
   },
   "Collections": {
    "properties": {
     "collections": {
      "items": {
       "$ref": "#/components/schemas/Collection"
      },
      "type": "array"
     }
    },
    "type": "object"
   },
   "CreateCollection": {
    "properties": {
     "chunk_overlap": {
      "default": 64,
      "type": "integer"
     },
     "chunk_tokens": {
      "default": 512,
      "type": "integer"
     },
     "index_type": {
      "default": "flat",
      "description": "flat | ivf | hnsw | a FAISS factory string",
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "shards": {
      "default": 1,
      "maximum": 4096,
      "minimum": 1,
      "type": "integer"
     }
    },
    "required": [
     "name"
    ],
    "type": "object"
   },
   "Document": {
    "properties": {
     "id": {
      "type": [
       "string",
       "number"
      ]
     },
     "metadata": {
      "type": [
       "object",
       "null"
      ]
     },
     "text": {
      "minLength": 1,
      "type": "string"
     },
     "title": {
      "type": [
       "string",
       "null"
      ]
     }
    },
    "required": [
     "id",
     "text"
    ],
    "type": "object"
   },
   "DocumentsRequest": {
    "properties": {
     "documents": {
      "items": {
       "$ref": "#/components/schemas/Document"
      },
      "maxItems": 2048,
      "minItems": 1,
      "type": "array"
     }
    },
    "required": [
     "documents"
    ],
    "type": "object"
   },
   "DocumentsResponse": {
    "properties": {
     "chunks_embedded": {
      "type": "integer"
     },
     "duplicates": {
      "type": "integer"
     },
     "inserted": {
      "type": "integer"
     },
     "metadata_updated": {
      "type": "integer"
     },
     "replaced": {
      "type": "integer"
     },
     "unchanged": {
      "type": "integer"
     }
    },
    "type": "object"
   },
   "EmbeddingRequest": {
    "properties": {
     "dimensions": {
      "description": "only the model's own dimension",
      "type": "integer"
     },
     "encoding_format": {
      "default": "float",
      "enum": [
       "float",
       "base64"
      ],
      "type": "string"
     },
     "input": {
      "description": "texts, or the model's token ids (<s>/</s> added when missing, no prefix added)",
      "oneOf": [
       {
        "type": "string"
       },
       {
        "items": {
         "type": "string"
        },
        "maxItems": 2048,
        "type": "array"
       },
       {
        "items": {
         "type": "integer"
        },
        "type": "array"
       },
       {
        "items": {
         "items": {
          "type": "integer"
         },
         "type": "array"
        },
        "maxItems": 2048,
        "type": "array"
       }
      ]
     },
     "input_type": {
      "description": "Glossa extension: the mE5 prefix; default from --default-input-type",
      "enum": [
       "query",
       "passage"
      ],
      "type": "string"
     },
     "model": {
      "description": "required; any value (the response names the model used)",
      "type": "string"
     }
    },
    "required": [
     "input",
     "model"
    ],
    "type": "object"
   },
   "EmbeddingResponse": {
    "properties": {
     "data": {
      "items": {
       "properties": {
        "embedding": {
         "oneOf": [
          {
           "items": {
            "type": "number"
           },
           "type": "array"
          },
          {
           "contentEncoding": "base64",
           "type": "string"
          }
         ]
        },
        "index": {
         "type": "integer"
        },
        "object": {
         "const": "embedding"
        }
       },
       "type": "object"
      },
      "type": "array"
     },
     "model": {
      "type": "string"
     },
     "object": {
      "const": "list"
     },
     "truncated": {
      "description": "inputs cut to the model's 512 tokens",
      "type": "integer"
     },
     "usage": {
      "properties": {
       "prompt_tokens": {
        "type": "integer"
       },
       "total_tokens": {
        "type": "integer"
       }
      },
      "type": "object"
     }
    },
    "type": "object"
   },
   "Error": {
    "properties": {
     "error": {
      "properties": {
       "code": {
        "type": [
         "string",
         "null"
        ]
       },
       "message": {
        "type": "string"
       },
       "param": {
        "type": [
         "string",
         "null"
        ]
       },
       "type": {
        "type": "string"
       }
      },
      "required": [
       "message",
       "type"
      ],
      "type": "object"
     }
    },
    "type": "object"
   },
   "Hit": {
    "properties": {
     "chunk": {
      "description": "UTF-8 byte span of the chunk in the document text",
      "properties": {
       "end": {
        "type": "integer"
       },
       "start": {
        "type": "integer"
       }
      },
      "type": "object"
     },
     "id": {
      "type": "string"
     },
     "metadata": {
      "type": "object"
     },
     "score": {
      "description": "cosine similarity of the query and the document's best chunk",
      "type": "number"
     },
     "text": {
      "description": "the best chunk's text",
      "type": "string"
     },
     "title": {
      "type": [
       "string",
       "null"
      ]
     }
    },
    "required": [
     "id",
     "score",
     "title",
     "text",
     "metadata",
     "chunk"
    ],
    "type": "object"
   },
   "Info": {
    "type": "object"
   },
   "SearchRequest": {
    "description": "Give `query` or `queries`, not both.",
    "properties": {
     "ef_search": {
      "description": "HNSW: candidate list size",
      "minimum": 1,
      "type": "integer"
     },
     "filters": {
      "additionalProperties": {
       "type": [
        "string",
        "number",
        "boolean"
       ]
      },
      "description": "metadata key (dotted for nested) = value; every pair must match",
      "type": "object"
     },
     "fusion": {
      "default": "convex:0.5",
      "description": "hybrid fusion: rrf, rrf:K, convex or convex:ALPHA (ALPHA weights dense; scores min-max-normalised per side)",
      "type": "string"
     },
     "k": {
      "default": 10,
      "maximum": 10000,
      "minimum": 1,
      "type": "integer"
     },
     "mode": {
      "default": "dense",
      "description": "dense: mE5 vectors; lexical: the FTS5 index (words, CJK bigrams, sentencepiece pieces; any term matches); hybrid: both, the top 100 of each fused",
      "enum": [
       "dense",
       "lexical",
       "hybrid"
      ],
      "type": "string"
     },
     "nprobe": {
      "description": "IVF: lists visited per query",
      "minimum": 1,
      "type": "integer"
     },
     "queries": {
      "items": {
       "type": "string"
      },
      "maxItems": 2048,
      "type": "array"
     },
     "query": {
      "type": "string"
     }
    },
    "type": "object"
   },
   "SearchResponse": {
    "oneOf": [
     {
      "properties": {
       "hits": {
        "items": {
         "$ref": "#/components/schemas/Hit"
        },
        "type": "array"
       },
       "query": {
        "type": "string"
       }
      },
      "type": "object"
     },
     {
      "properties": {
       "results": {
        "items": {
         "properties": {
          "hits": {
           "items": {
            "$ref": "#/components/schemas/Hit"
           },
           "type": "array"
          },
          "query": {
           "type": "string"
          }
         },
         "type": "object"
        },
        "type": "array"
       }
      },
      "type": "object"
     }
    ]
   },
   "StoredDocument": {
    "properties": {
     "id": {
      "type": "string"
     },
     "metadata": {
      "type": "object"
     },
     "text": {
      "type": "string"
     },
     "title": {
      "type": [
       "string",
       "null"
      ]
     }
    },
    "type": "object"
   }
  },
  "securitySchemes": {
   "bearer": {
    "scheme": "bearer",
    "type": "http"
   }
  }
 },
 "info": {
  "description": "Multilingual dense retrieval (mE5 encoder, FAISS, SQLite) over HTTP. Every error body is {\"error\": {\"message\", \"type\", \"param\", \"code\"}}. With an API key, send `Authorization: Bearer <key>`; a read-only key may search and embed but not write.",
  "title": "Glossa",
  "version": "0.2.0"
 },
 "openapi": "3.1.0",
 "paths": {
  "/": {
   "get": {
    "responses": {
     "200": {
      "description": "HTML"
     }
    },
    "security": [],
    "summary": "The search page",
    "tags": [
     "system"
    ]
   }
  },
  "/collections": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Collections"
        }
       }
      },
      "description": "OK"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "List the served collections",
    "tags": [
     "collections"
    ]
   },
   "post": {
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CreateCollection"
       }
      }
     },
     "required": true
    },
    "responses": {
     "201": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Collection"
        }
       }
      },
      "description": "Created"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "408": {
      "$ref": "#/components/responses/Error"
     },
     "409": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Create a collection",
    "tags": [
     "collections"
    ]
   }
  },
  "/collections/{name}": {
   "get": {
    "parameters": [
     {
      "$ref": "#/components/parameters/name"
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Collection"
        }
       }
      },
      "description": "OK"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Describe a collection",
    "tags": [
     "collections"
    ]
   }
  },
  "/collections/{name}/documents": {
   "put": {
    "parameters": [
     {
      "$ref": "#/components/parameters/name"
     }
    ],
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/DocumentsRequest"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/DocumentsResponse"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "405": {
      "$ref": "#/components/responses/Error"
     },
     "408": {
      "$ref": "#/components/responses/Error"
     },
     "409": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "422": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Add or update a batch of documents; acknowledged once durable and searchable",
    "tags": [
     "documents"
    ]
   }
  },
  "/collections/{name}/documents/{id}": {
   "delete": {
    "parameters": [
     {
      "$ref": "#/components/parameters/name"
     },
     {
      "$ref": "#/components/parameters/id"
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      },
      "description": "OK"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "409": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Delete a document",
    "tags": [
     "documents"
    ]
   },
   "get": {
    "parameters": [
     {
      "$ref": "#/components/parameters/name"
     },
     {
      "$ref": "#/components/parameters/id"
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/StoredDocument"
        }
       }
      },
      "description": "OK"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Read a document",
    "tags": [
     "documents"
    ]
   }
  },
  "/collections/{name}/search": {
   "post": {
    "parameters": [
     {
      "$ref": "#/components/parameters/name"
     }
    ],
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SearchRequest"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SearchResponse"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "405": {
      "$ref": "#/components/responses/Error"
     },
     "408": {
      "$ref": "#/components/responses/Error"
     },
     "422": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "504": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Search a collection (one query or a batch)",
    "tags": [
     "search"
    ]
   }
  },
  "/docs": {
   "get": {
    "responses": {
     "200": {
      "description": "HTML"
     }
    },
    "security": [],
    "summary": "This document as a readable page",
    "tags": [
     "system"
    ]
   }
  },
  "/embeddings": {
   "post": {
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EmbeddingRequest"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/EmbeddingResponse"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "405": {
      "$ref": "#/components/responses/Error"
     },
     "408": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "422": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "504": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Embeddings, OpenAI-compatible (alias of /v1/embeddings)",
    "tags": [
     "embeddings"
    ]
   }
  },
  "/health": {
   "get": {
    "responses": {
     "200": {
      "description": "alive"
     }
    },
    "security": [],
    "summary": "Alive",
    "tags": [
     "system"
    ]
   }
  },
  "/info": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Info"
        }
       }
      },
      "description": "OK"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Model, dimension and the limits a client needs to size its batches",
    "tags": [
     "system"
    ]
   }
  },
  "/metrics": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "Prometheus text"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Prometheus metrics",
    "tags": [
     "system"
    ]
   }
  },
  "/openapi.json": {
   "get": {
    "responses": {
     "200": {
      "description": "OpenAPI 3.1"
     }
    },
    "security": [],
    "summary": "This document",
    "tags": [
     "system"
    ]
   }
  },
  "/ready": {
   "get": {
    "responses": {
     "200": {
      "description": "ready"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     }
    },
    "security": [],
    "summary": "Ready: the model has run a forward pass and every served collection is open",
    "tags": [
     "system"
    ]
   }
  },
  "/v1/embeddings": {
   "post": {
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EmbeddingRequest"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/EmbeddingResponse"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "405": {
      "$ref": "#/components/responses/Error"
     },
     "408": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "422": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "504": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "Embeddings, OpenAI-compatible",
    "tags": [
     "embeddings"
    ]
   }
  },
  "/v1/models": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      },
      "description": "OK"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     }
    },
    "summary": "The model served (OpenAI's models list)",
    "tags": [
     "embeddings"
    ]
   }
  }
 },
 "security": [
  {
   "bearer": []
  }
 ]
}
"""#
}
