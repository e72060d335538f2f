"""A model API as teams often write one: FastAPI served by uvicorn. A negative first feature
raises an unhandled exception, so uvicorn answers 500 and then drops the keep-alive connection
without sending `Connection: close`, as it does in production. Any other input is "predicted"
as the sum of its features, so a test knows every right answer.

Run: python -m uvicorn fastapi_app:app --app-dir DIR --host 127.0.0.1 --port PORT"""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Features(BaseModel):
    features: list[float]


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/predict")
def predict(body: Features) -> dict:
    if body.features and body.features[0] < 0:
        raise ValueError(f"a negative first feature cannot be scored: {body.features[0]}")
    return {"prediction": sum(body.features)}
